# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_funnels_global_optspecs
    string join \n profile= config= platform= endpoint= token-file= token-stdin user-id= o/output= out= timeout= retries= max-wait= no-pager color= v/verbose q/quiet dry-run h/help V/version
end

function __fish_funnels_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_funnels_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_funnels_using_subcommand
    set -l cmd (__fish_funnels_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c funnels -n "__fish_funnels_needs_command" -l profile -d 'Profile of the config file to use [default: the config\'s `default_profile`]' -r
complete -c funnels -n "__fish_funnels_needs_command" -l config -d 'Config file [default: $XDG_CONFIG_HOME/funnels/config.toml]' -r -F
complete -c funnels -n "__fish_funnels_needs_command" -l platform -d 'Platform whose API host is used [default: comagic]' -r -f -a "comagic\t'dataapi.comagic.ru'
uis\t'dataapi.uiscom.ru'
callgear\t'dataapi.callgear.com'"
complete -c funnels -n "__fish_funnels_needs_command" -l endpoint -d 'Full API URL, e.g. https://dataapi.uiscom.ru/v2.0 [default: the platform\'s URL]' -r
complete -c funnels -n "__fish_funnels_needs_command" -l token-file -d 'File holding the access token (trimmed) [env: FUNNELS_TOKEN_FILE, below FUNNELS_TOKEN]. The token itself may be given in FUNNELS_TOKEN; there is deliberately no flag for it' -r -F
complete -c funnels -n "__fish_funnels_needs_command" -l user-id -d 'Client user to act for (required for agent accounts), 1..=2^53 [env: FUNNELS_USER_ID]. One from the environment or the profile is not used by --all-users' -r
complete -c funnels -n "__fish_funnels_needs_command" -s o -l output -d 'Output format [default: table]' -r -f -a "table\t'A human-readable table'
json\t'One pretty-printed JSON array'
ndjson\t'One compact JSON object per line'
csv\t'RFC 4180 comma-separated values with a header row'
tsv\t'Tab-separated values with a header row'"
complete -c funnels -n "__fish_funnels_needs_command" -l out -d 'Write the output to FILE atomically instead of standard output' -r -F
complete -c funnels -n "__fish_funnels_needs_command" -l timeout -d 'Limit for one request in seconds, connect to last byte; 1..=3600 [default: 30] [env: FUNNELS_TIMEOUT]' -r
complete -c funnels -n "__fish_funnels_needs_command" -l retries -d 'Extra attempts for a transient failure; 0..=10 [default: 3] [env: FUNNELS_RETRIES]' -r
complete -c funnels -n "__fish_funnels_needs_command" -l max-wait -d 'Longest total wait for a per-minute quota to reset; 0 = never wait; 0..=86400 [default: 120]' -r
complete -c funnels -n "__fish_funnels_needs_command" -l color -d 'When to use colour: auto (terminal without NO_COLOR), always, never' -r -f -a "auto\t'Colour only on a terminal and never with NO_COLOR'
always\t'Always colour'
never\t'Never colour'"
complete -c funnels -n "__fish_funnels_needs_command" -l token-stdin -d 'Read the access token from the first line of standard input'
complete -c funnels -n "__fish_funnels_needs_command" -l no-pager -d 'Never send table output through a pager. Otherwise a table taller than the terminal goes through FUNNELS_PAGER, else PAGER, else `less -FRX` when installed; either variable set but empty turns paging off too'
complete -c funnels -n "__fish_funnels_needs_command" -s v -l verbose -d 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)'
complete -c funnels -n "__fish_funnels_needs_command" -s q -l quiet -d 'No notices or warnings on stderr, only errors'
complete -c funnels -n "__fish_funnels_needs_command" -l dry-run -d 'Print the JSON-RPC request for the first page and exit; needs no token, sends nothing'
complete -c funnels -n "__fish_funnels_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c funnels -n "__fish_funnels_needs_command" -s V -l version -d 'Print version'
complete -c funnels -n "__fish_funnels_needs_command" -f -a "list" -d 'List sales funnels (get.sales_funnel)'
complete -c funnels -n "__fish_funnels_needs_command" -f -a "show" -d 'Show one funnel and its stages'
complete -c funnels -n "__fish_funnels_needs_command" -f -a "check" -d 'Verify credentials and access; show the API points left'
complete -c funnels -n "__fish_funnels_needs_command" -f -a "users" -d 'List the client users of an agent account (get.customer_users)'
complete -c funnels -n "__fish_funnels_needs_command" -f -a "login" -d 'Open a session with login and password (login.user) and store its key'
complete -c funnels -n "__fish_funnels_needs_command" -f -a "logout" -d 'End the stored session (logout.user) and delete it'
complete -c funnels -n "__fish_funnels_needs_command" -f -a "profiles" -d 'List the profiles of the config file and which one is in use'
complete -c funnels -n "__fish_funnels_needs_command" -f -a "completions" -d 'Print a completion script for SHELL'
complete -c funnels -n "__fish_funnels_needs_command" -f -a "man" -d 'Print the man page (roff), or the page of one command'
complete -c funnels -n "__fish_funnels_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c funnels -n "__fish_funnels_using_subcommand list" -l filter -d 'A condition `FIELD OP [VALUE]`, e.g. `name=Main`, `name like %Sales%`, `ext_id in 1,2,3`; repeatable, AND-ed' -r
complete -c funnels -n "__fish_funnels_using_subcommand list" -l filter-json -d 'A raw API filter object sent unchanged: JSON text, @FILE, or - for standard input' -r
complete -c funnels -n "__fish_funnels_using_subcommand list" -l sort -d 'Sort keys `FIELD[:asc|desc]`, comma-separated or repeated; priority in the order given' -r
complete -c funnels -n "__fish_funnels_using_subcommand list" -l fields -d 'Comma-separated fields to request and print, in this order' -r
complete -c funnels -n "__fish_funnels_using_subcommand list" -l limit -d 'At most N records in total (N >= 1), fetched over as many pages as needed' -r
complete -c funnels -n "__fish_funnels_using_subcommand list" -l offset -d 'Start at record N (0..=100000)' -r
complete -c funnels -n "__fish_funnels_using_subcommand list" -l page-size -d 'Records per request, 1..=10000 [default: 10000]' -r
complete -c funnels -n "__fish_funnels_using_subcommand list" -l parallel -d 'Fetch up to N pages concurrently (1-4) when the total is known and the minute budget covers them' -r
complete -c funnels -n "__fish_funnels_using_subcommand list" -l profile -d 'Profile of the config file to use [default: the config\'s `default_profile`]' -r
complete -c funnels -n "__fish_funnels_using_subcommand list" -l config -d 'Config file [default: $XDG_CONFIG_HOME/funnels/config.toml]' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand list" -l platform -d 'Platform whose API host is used [default: comagic]' -r -f -a "comagic\t'dataapi.comagic.ru'
uis\t'dataapi.uiscom.ru'
callgear\t'dataapi.callgear.com'"
complete -c funnels -n "__fish_funnels_using_subcommand list" -l endpoint -d 'Full API URL, e.g. https://dataapi.uiscom.ru/v2.0 [default: the platform\'s URL]' -r
complete -c funnels -n "__fish_funnels_using_subcommand list" -l token-file -d 'File holding the access token (trimmed) [env: FUNNELS_TOKEN_FILE, below FUNNELS_TOKEN]. The token itself may be given in FUNNELS_TOKEN; there is deliberately no flag for it' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand list" -l user-id -d 'Client user to act for (required for agent accounts), 1..=2^53 [env: FUNNELS_USER_ID]. One from the environment or the profile is not used by --all-users' -r
complete -c funnels -n "__fish_funnels_using_subcommand list" -s o -l output -d 'Output format [default: table]' -r -f -a "table\t'A human-readable table'
json\t'One pretty-printed JSON array'
ndjson\t'One compact JSON object per line'
csv\t'RFC 4180 comma-separated values with a header row'
tsv\t'Tab-separated values with a header row'"
complete -c funnels -n "__fish_funnels_using_subcommand list" -l out -d 'Write the output to FILE atomically instead of standard output' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand list" -l timeout -d 'Limit for one request in seconds, connect to last byte; 1..=3600 [default: 30] [env: FUNNELS_TIMEOUT]' -r
complete -c funnels -n "__fish_funnels_using_subcommand list" -l retries -d 'Extra attempts for a transient failure; 0..=10 [default: 3] [env: FUNNELS_RETRIES]' -r
complete -c funnels -n "__fish_funnels_using_subcommand list" -l max-wait -d 'Longest total wait for a per-minute quota to reset; 0 = never wait; 0..=86400 [default: 120]' -r
complete -c funnels -n "__fish_funnels_using_subcommand list" -l color -d 'When to use colour: auto (terminal without NO_COLOR), always, never' -r -f -a "auto\t'Colour only on a terminal and never with NO_COLOR'
always\t'Always colour'
never\t'Never colour'"
complete -c funnels -n "__fish_funnels_using_subcommand list" -l any -d 'OR the --filter conditions instead of AND-ing them'
complete -c funnels -n "__fish_funnels_using_subcommand list" -l all -d 'Follow offsets until every record is fetched'
complete -c funnels -n "__fish_funnels_using_subcommand list" -l count -d 'Print only the number of matching records (one request with limit 1)'
complete -c funnels -n "__fish_funnels_using_subcommand list" -l no-header -d 'No header row in table, csv and tsv output'
complete -c funnels -n "__fish_funnels_using_subcommand list" -l stream -d 'With ndjson, csv or tsv: write each page as it arrives'
complete -c funnels -n "__fish_funnels_using_subcommand list" -l excel -d 'With -o csv: a file for spreadsheets (a UTF-8 BOM first; a cell starting with = + - @, tab or CR gets a leading \')'
complete -c funnels -n "__fish_funnels_using_subcommand list" -l explode -d 'One record per stage instead of one per funnel'
complete -c funnels -n "__fish_funnels_using_subcommand list" -l all-users -d 'Agent accounts: the funnels of every client user'
complete -c funnels -n "__fish_funnels_using_subcommand list" -l keep-going -d 'With --all-users: skip a failing user with a warning and exit 9 at the end'
complete -c funnels -n "__fish_funnels_using_subcommand list" -l token-stdin -d 'Read the access token from the first line of standard input'
complete -c funnels -n "__fish_funnels_using_subcommand list" -l no-pager -d 'Never send table output through a pager. Otherwise a table taller than the terminal goes through FUNNELS_PAGER, else PAGER, else `less -FRX` when installed; either variable set but empty turns paging off too'
complete -c funnels -n "__fish_funnels_using_subcommand list" -s v -l verbose -d 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)'
complete -c funnels -n "__fish_funnels_using_subcommand list" -s q -l quiet -d 'No notices or warnings on stderr, only errors'
complete -c funnels -n "__fish_funnels_using_subcommand list" -l dry-run -d 'Print the JSON-RPC request for the first page and exit; needs no token, sends nothing'
complete -c funnels -n "__fish_funnels_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c funnels -n "__fish_funnels_using_subcommand list" -s V -l version -d 'Print version'
complete -c funnels -n "__fish_funnels_using_subcommand show" -l profile -d 'Profile of the config file to use [default: the config\'s `default_profile`]' -r
complete -c funnels -n "__fish_funnels_using_subcommand show" -l config -d 'Config file [default: $XDG_CONFIG_HOME/funnels/config.toml]' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand show" -l platform -d 'Platform whose API host is used [default: comagic]' -r -f -a "comagic\t'dataapi.comagic.ru'
uis\t'dataapi.uiscom.ru'
callgear\t'dataapi.callgear.com'"
complete -c funnels -n "__fish_funnels_using_subcommand show" -l endpoint -d 'Full API URL, e.g. https://dataapi.uiscom.ru/v2.0 [default: the platform\'s URL]' -r
complete -c funnels -n "__fish_funnels_using_subcommand show" -l token-file -d 'File holding the access token (trimmed) [env: FUNNELS_TOKEN_FILE, below FUNNELS_TOKEN]. The token itself may be given in FUNNELS_TOKEN; there is deliberately no flag for it' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand show" -l user-id -d 'Client user to act for (required for agent accounts), 1..=2^53 [env: FUNNELS_USER_ID]. One from the environment or the profile is not used by --all-users' -r
complete -c funnels -n "__fish_funnels_using_subcommand show" -s o -l output -d 'Output format [default: table]' -r -f -a "table\t'A human-readable table'
json\t'One pretty-printed JSON array'
ndjson\t'One compact JSON object per line'
csv\t'RFC 4180 comma-separated values with a header row'
tsv\t'Tab-separated values with a header row'"
complete -c funnels -n "__fish_funnels_using_subcommand show" -l out -d 'Write the output to FILE atomically instead of standard output' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand show" -l timeout -d 'Limit for one request in seconds, connect to last byte; 1..=3600 [default: 30] [env: FUNNELS_TIMEOUT]' -r
complete -c funnels -n "__fish_funnels_using_subcommand show" -l retries -d 'Extra attempts for a transient failure; 0..=10 [default: 3] [env: FUNNELS_RETRIES]' -r
complete -c funnels -n "__fish_funnels_using_subcommand show" -l max-wait -d 'Longest total wait for a per-minute quota to reset; 0 = never wait; 0..=86400 [default: 120]' -r
complete -c funnels -n "__fish_funnels_using_subcommand show" -l color -d 'When to use colour: auto (terminal without NO_COLOR), always, never' -r -f -a "auto\t'Colour only on a terminal and never with NO_COLOR'
always\t'Always colour'
never\t'Never colour'"
complete -c funnels -n "__fish_funnels_using_subcommand show" -l excel -d 'With -o csv: a file for spreadsheets (a UTF-8 BOM first; a cell starting with = + - @, tab or CR gets a leading \')'
complete -c funnels -n "__fish_funnels_using_subcommand show" -l token-stdin -d 'Read the access token from the first line of standard input'
complete -c funnels -n "__fish_funnels_using_subcommand show" -l no-pager -d 'Never send table output through a pager. Otherwise a table taller than the terminal goes through FUNNELS_PAGER, else PAGER, else `less -FRX` when installed; either variable set but empty turns paging off too'
complete -c funnels -n "__fish_funnels_using_subcommand show" -s v -l verbose -d 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)'
complete -c funnels -n "__fish_funnels_using_subcommand show" -s q -l quiet -d 'No notices or warnings on stderr, only errors'
complete -c funnels -n "__fish_funnels_using_subcommand show" -l dry-run -d 'Print the JSON-RPC request for the first page and exit; needs no token, sends nothing'
complete -c funnels -n "__fish_funnels_using_subcommand show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c funnels -n "__fish_funnels_using_subcommand show" -s V -l version -d 'Print version'
complete -c funnels -n "__fish_funnels_using_subcommand check" -l profile -d 'Profile of the config file to use [default: the config\'s `default_profile`]' -r
complete -c funnels -n "__fish_funnels_using_subcommand check" -l config -d 'Config file [default: $XDG_CONFIG_HOME/funnels/config.toml]' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand check" -l platform -d 'Platform whose API host is used [default: comagic]' -r -f -a "comagic\t'dataapi.comagic.ru'
uis\t'dataapi.uiscom.ru'
callgear\t'dataapi.callgear.com'"
complete -c funnels -n "__fish_funnels_using_subcommand check" -l endpoint -d 'Full API URL, e.g. https://dataapi.uiscom.ru/v2.0 [default: the platform\'s URL]' -r
complete -c funnels -n "__fish_funnels_using_subcommand check" -l token-file -d 'File holding the access token (trimmed) [env: FUNNELS_TOKEN_FILE, below FUNNELS_TOKEN]. The token itself may be given in FUNNELS_TOKEN; there is deliberately no flag for it' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand check" -l user-id -d 'Client user to act for (required for agent accounts), 1..=2^53 [env: FUNNELS_USER_ID]. One from the environment or the profile is not used by --all-users' -r
complete -c funnels -n "__fish_funnels_using_subcommand check" -s o -l output -d 'Output format [default: table]' -r -f -a "table\t'A human-readable table'
json\t'One pretty-printed JSON array'
ndjson\t'One compact JSON object per line'
csv\t'RFC 4180 comma-separated values with a header row'
tsv\t'Tab-separated values with a header row'"
complete -c funnels -n "__fish_funnels_using_subcommand check" -l out -d 'Write the output to FILE atomically instead of standard output' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand check" -l timeout -d 'Limit for one request in seconds, connect to last byte; 1..=3600 [default: 30] [env: FUNNELS_TIMEOUT]' -r
complete -c funnels -n "__fish_funnels_using_subcommand check" -l retries -d 'Extra attempts for a transient failure; 0..=10 [default: 3] [env: FUNNELS_RETRIES]' -r
complete -c funnels -n "__fish_funnels_using_subcommand check" -l max-wait -d 'Longest total wait for a per-minute quota to reset; 0 = never wait; 0..=86400 [default: 120]' -r
complete -c funnels -n "__fish_funnels_using_subcommand check" -l color -d 'When to use colour: auto (terminal without NO_COLOR), always, never' -r -f -a "auto\t'Colour only on a terminal and never with NO_COLOR'
always\t'Always colour'
never\t'Never colour'"
complete -c funnels -n "__fish_funnels_using_subcommand check" -l token-stdin -d 'Read the access token from the first line of standard input'
complete -c funnels -n "__fish_funnels_using_subcommand check" -l no-pager -d 'Never send table output through a pager. Otherwise a table taller than the terminal goes through FUNNELS_PAGER, else PAGER, else `less -FRX` when installed; either variable set but empty turns paging off too'
complete -c funnels -n "__fish_funnels_using_subcommand check" -s v -l verbose -d 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)'
complete -c funnels -n "__fish_funnels_using_subcommand check" -s q -l quiet -d 'No notices or warnings on stderr, only errors'
complete -c funnels -n "__fish_funnels_using_subcommand check" -l dry-run -d 'Print the JSON-RPC request for the first page and exit; needs no token, sends nothing'
complete -c funnels -n "__fish_funnels_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c funnels -n "__fish_funnels_using_subcommand check" -s V -l version -d 'Print version'
complete -c funnels -n "__fish_funnels_using_subcommand users" -l filter -d 'A condition `FIELD OP [VALUE]`, e.g. `name=Main`, `name like %Sales%`, `ext_id in 1,2,3`; repeatable, AND-ed' -r
complete -c funnels -n "__fish_funnels_using_subcommand users" -l filter-json -d 'A raw API filter object sent unchanged: JSON text, @FILE, or - for standard input' -r
complete -c funnels -n "__fish_funnels_using_subcommand users" -l sort -d 'Sort keys `FIELD[:asc|desc]`, comma-separated or repeated; priority in the order given' -r
complete -c funnels -n "__fish_funnels_using_subcommand users" -l fields -d 'Comma-separated fields to request and print, in this order' -r
complete -c funnels -n "__fish_funnels_using_subcommand users" -l limit -d 'At most N records in total (N >= 1), fetched over as many pages as needed' -r
complete -c funnels -n "__fish_funnels_using_subcommand users" -l offset -d 'Start at record N (0..=100000)' -r
complete -c funnels -n "__fish_funnels_using_subcommand users" -l page-size -d 'Records per request, 1..=10000 [default: 10000]' -r
complete -c funnels -n "__fish_funnels_using_subcommand users" -l profile -d 'Profile of the config file to use [default: the config\'s `default_profile`]' -r
complete -c funnels -n "__fish_funnels_using_subcommand users" -l config -d 'Config file [default: $XDG_CONFIG_HOME/funnels/config.toml]' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand users" -l platform -d 'Platform whose API host is used [default: comagic]' -r -f -a "comagic\t'dataapi.comagic.ru'
uis\t'dataapi.uiscom.ru'
callgear\t'dataapi.callgear.com'"
complete -c funnels -n "__fish_funnels_using_subcommand users" -l endpoint -d 'Full API URL, e.g. https://dataapi.uiscom.ru/v2.0 [default: the platform\'s URL]' -r
complete -c funnels -n "__fish_funnels_using_subcommand users" -l token-file -d 'File holding the access token (trimmed) [env: FUNNELS_TOKEN_FILE, below FUNNELS_TOKEN]. The token itself may be given in FUNNELS_TOKEN; there is deliberately no flag for it' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand users" -l user-id -d 'Client user to act for (required for agent accounts), 1..=2^53 [env: FUNNELS_USER_ID]. One from the environment or the profile is not used by --all-users' -r
complete -c funnels -n "__fish_funnels_using_subcommand users" -s o -l output -d 'Output format [default: table]' -r -f -a "table\t'A human-readable table'
json\t'One pretty-printed JSON array'
ndjson\t'One compact JSON object per line'
csv\t'RFC 4180 comma-separated values with a header row'
tsv\t'Tab-separated values with a header row'"
complete -c funnels -n "__fish_funnels_using_subcommand users" -l out -d 'Write the output to FILE atomically instead of standard output' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand users" -l timeout -d 'Limit for one request in seconds, connect to last byte; 1..=3600 [default: 30] [env: FUNNELS_TIMEOUT]' -r
complete -c funnels -n "__fish_funnels_using_subcommand users" -l retries -d 'Extra attempts for a transient failure; 0..=10 [default: 3] [env: FUNNELS_RETRIES]' -r
complete -c funnels -n "__fish_funnels_using_subcommand users" -l max-wait -d 'Longest total wait for a per-minute quota to reset; 0 = never wait; 0..=86400 [default: 120]' -r
complete -c funnels -n "__fish_funnels_using_subcommand users" -l color -d 'When to use colour: auto (terminal without NO_COLOR), always, never' -r -f -a "auto\t'Colour only on a terminal and never with NO_COLOR'
always\t'Always colour'
never\t'Never colour'"
complete -c funnels -n "__fish_funnels_using_subcommand users" -l any -d 'OR the --filter conditions instead of AND-ing them'
complete -c funnels -n "__fish_funnels_using_subcommand users" -l all -d 'Follow offsets until every record is fetched'
complete -c funnels -n "__fish_funnels_using_subcommand users" -l count -d 'Print only the number of matching records (one request with limit 1)'
complete -c funnels -n "__fish_funnels_using_subcommand users" -l no-header -d 'No header row in table, csv and tsv output'
complete -c funnels -n "__fish_funnels_using_subcommand users" -l stream -d 'With ndjson, csv or tsv: write each page as it arrives'
complete -c funnels -n "__fish_funnels_using_subcommand users" -l excel -d 'With -o csv: a file for spreadsheets (a UTF-8 BOM first; a cell starting with = + - @, tab or CR gets a leading \')'
complete -c funnels -n "__fish_funnels_using_subcommand users" -l token-stdin -d 'Read the access token from the first line of standard input'
complete -c funnels -n "__fish_funnels_using_subcommand users" -l no-pager -d 'Never send table output through a pager. Otherwise a table taller than the terminal goes through FUNNELS_PAGER, else PAGER, else `less -FRX` when installed; either variable set but empty turns paging off too'
complete -c funnels -n "__fish_funnels_using_subcommand users" -s v -l verbose -d 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)'
complete -c funnels -n "__fish_funnels_using_subcommand users" -s q -l quiet -d 'No notices or warnings on stderr, only errors'
complete -c funnels -n "__fish_funnels_using_subcommand users" -l dry-run -d 'Print the JSON-RPC request for the first page and exit; needs no token, sends nothing'
complete -c funnels -n "__fish_funnels_using_subcommand users" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c funnels -n "__fish_funnels_using_subcommand users" -s V -l version -d 'Print version'
complete -c funnels -n "__fish_funnels_using_subcommand login" -l login -d 'Login name [default: prompted on a terminal]' -r
complete -c funnels -n "__fish_funnels_using_subcommand login" -l profile -d 'Profile of the config file to use [default: the config\'s `default_profile`]' -r
complete -c funnels -n "__fish_funnels_using_subcommand login" -l config -d 'Config file [default: $XDG_CONFIG_HOME/funnels/config.toml]' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand login" -l platform -d 'Platform whose API host is used [default: comagic]' -r -f -a "comagic\t'dataapi.comagic.ru'
uis\t'dataapi.uiscom.ru'
callgear\t'dataapi.callgear.com'"
complete -c funnels -n "__fish_funnels_using_subcommand login" -l endpoint -d 'Full API URL, e.g. https://dataapi.uiscom.ru/v2.0 [default: the platform\'s URL]' -r
complete -c funnels -n "__fish_funnels_using_subcommand login" -l token-file -d 'File holding the access token (trimmed) [env: FUNNELS_TOKEN_FILE, below FUNNELS_TOKEN]. The token itself may be given in FUNNELS_TOKEN; there is deliberately no flag for it' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand login" -l user-id -d 'Client user to act for (required for agent accounts), 1..=2^53 [env: FUNNELS_USER_ID]. One from the environment or the profile is not used by --all-users' -r
complete -c funnels -n "__fish_funnels_using_subcommand login" -s o -l output -d 'Output format [default: table]' -r -f -a "table\t'A human-readable table'
json\t'One pretty-printed JSON array'
ndjson\t'One compact JSON object per line'
csv\t'RFC 4180 comma-separated values with a header row'
tsv\t'Tab-separated values with a header row'"
complete -c funnels -n "__fish_funnels_using_subcommand login" -l out -d 'Write the output to FILE atomically instead of standard output' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand login" -l timeout -d 'Limit for one request in seconds, connect to last byte; 1..=3600 [default: 30] [env: FUNNELS_TIMEOUT]' -r
complete -c funnels -n "__fish_funnels_using_subcommand login" -l retries -d 'Extra attempts for a transient failure; 0..=10 [default: 3] [env: FUNNELS_RETRIES]' -r
complete -c funnels -n "__fish_funnels_using_subcommand login" -l max-wait -d 'Longest total wait for a per-minute quota to reset; 0 = never wait; 0..=86400 [default: 120]' -r
complete -c funnels -n "__fish_funnels_using_subcommand login" -l color -d 'When to use colour: auto (terminal without NO_COLOR), always, never' -r -f -a "auto\t'Colour only on a terminal and never with NO_COLOR'
always\t'Always colour'
never\t'Never colour'"
complete -c funnels -n "__fish_funnels_using_subcommand login" -l password-stdin -d 'Read the password from the first line of standard input'
complete -c funnels -n "__fish_funnels_using_subcommand login" -l token-stdin -d 'Read the access token from the first line of standard input'
complete -c funnels -n "__fish_funnels_using_subcommand login" -l no-pager -d 'Never send table output through a pager. Otherwise a table taller than the terminal goes through FUNNELS_PAGER, else PAGER, else `less -FRX` when installed; either variable set but empty turns paging off too'
complete -c funnels -n "__fish_funnels_using_subcommand login" -s v -l verbose -d 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)'
complete -c funnels -n "__fish_funnels_using_subcommand login" -s q -l quiet -d 'No notices or warnings on stderr, only errors'
complete -c funnels -n "__fish_funnels_using_subcommand login" -l dry-run -d 'Print the JSON-RPC request for the first page and exit; needs no token, sends nothing'
complete -c funnels -n "__fish_funnels_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c funnels -n "__fish_funnels_using_subcommand login" -s V -l version -d 'Print version'
complete -c funnels -n "__fish_funnels_using_subcommand logout" -l profile -d 'Profile of the config file to use [default: the config\'s `default_profile`]' -r
complete -c funnels -n "__fish_funnels_using_subcommand logout" -l config -d 'Config file [default: $XDG_CONFIG_HOME/funnels/config.toml]' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand logout" -l platform -d 'Platform whose API host is used [default: comagic]' -r -f -a "comagic\t'dataapi.comagic.ru'
uis\t'dataapi.uiscom.ru'
callgear\t'dataapi.callgear.com'"
complete -c funnels -n "__fish_funnels_using_subcommand logout" -l endpoint -d 'Full API URL, e.g. https://dataapi.uiscom.ru/v2.0 [default: the platform\'s URL]' -r
complete -c funnels -n "__fish_funnels_using_subcommand logout" -l token-file -d 'File holding the access token (trimmed) [env: FUNNELS_TOKEN_FILE, below FUNNELS_TOKEN]. The token itself may be given in FUNNELS_TOKEN; there is deliberately no flag for it' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand logout" -l user-id -d 'Client user to act for (required for agent accounts), 1..=2^53 [env: FUNNELS_USER_ID]. One from the environment or the profile is not used by --all-users' -r
complete -c funnels -n "__fish_funnels_using_subcommand logout" -s o -l output -d 'Output format [default: table]' -r -f -a "table\t'A human-readable table'
json\t'One pretty-printed JSON array'
ndjson\t'One compact JSON object per line'
csv\t'RFC 4180 comma-separated values with a header row'
tsv\t'Tab-separated values with a header row'"
complete -c funnels -n "__fish_funnels_using_subcommand logout" -l out -d 'Write the output to FILE atomically instead of standard output' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand logout" -l timeout -d 'Limit for one request in seconds, connect to last byte; 1..=3600 [default: 30] [env: FUNNELS_TIMEOUT]' -r
complete -c funnels -n "__fish_funnels_using_subcommand logout" -l retries -d 'Extra attempts for a transient failure; 0..=10 [default: 3] [env: FUNNELS_RETRIES]' -r
complete -c funnels -n "__fish_funnels_using_subcommand logout" -l max-wait -d 'Longest total wait for a per-minute quota to reset; 0 = never wait; 0..=86400 [default: 120]' -r
complete -c funnels -n "__fish_funnels_using_subcommand logout" -l color -d 'When to use colour: auto (terminal without NO_COLOR), always, never' -r -f -a "auto\t'Colour only on a terminal and never with NO_COLOR'
always\t'Always colour'
never\t'Never colour'"
complete -c funnels -n "__fish_funnels_using_subcommand logout" -l token-stdin -d 'Read the access token from the first line of standard input'
complete -c funnels -n "__fish_funnels_using_subcommand logout" -l no-pager -d 'Never send table output through a pager. Otherwise a table taller than the terminal goes through FUNNELS_PAGER, else PAGER, else `less -FRX` when installed; either variable set but empty turns paging off too'
complete -c funnels -n "__fish_funnels_using_subcommand logout" -s v -l verbose -d 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)'
complete -c funnels -n "__fish_funnels_using_subcommand logout" -s q -l quiet -d 'No notices or warnings on stderr, only errors'
complete -c funnels -n "__fish_funnels_using_subcommand logout" -l dry-run -d 'Print the JSON-RPC request for the first page and exit; needs no token, sends nothing'
complete -c funnels -n "__fish_funnels_using_subcommand logout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c funnels -n "__fish_funnels_using_subcommand logout" -s V -l version -d 'Print version'
complete -c funnels -n "__fish_funnels_using_subcommand profiles" -l profile -d 'Profile of the config file to use [default: the config\'s `default_profile`]' -r
complete -c funnels -n "__fish_funnels_using_subcommand profiles" -l config -d 'Config file [default: $XDG_CONFIG_HOME/funnels/config.toml]' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand profiles" -l platform -d 'Platform whose API host is used [default: comagic]' -r -f -a "comagic\t'dataapi.comagic.ru'
uis\t'dataapi.uiscom.ru'
callgear\t'dataapi.callgear.com'"
complete -c funnels -n "__fish_funnels_using_subcommand profiles" -l endpoint -d 'Full API URL, e.g. https://dataapi.uiscom.ru/v2.0 [default: the platform\'s URL]' -r
complete -c funnels -n "__fish_funnels_using_subcommand profiles" -l token-file -d 'File holding the access token (trimmed) [env: FUNNELS_TOKEN_FILE, below FUNNELS_TOKEN]. The token itself may be given in FUNNELS_TOKEN; there is deliberately no flag for it' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand profiles" -l user-id -d 'Client user to act for (required for agent accounts), 1..=2^53 [env: FUNNELS_USER_ID]. One from the environment or the profile is not used by --all-users' -r
complete -c funnels -n "__fish_funnels_using_subcommand profiles" -s o -l output -d 'Output format [default: table]' -r -f -a "table\t'A human-readable table'
json\t'One pretty-printed JSON array'
ndjson\t'One compact JSON object per line'
csv\t'RFC 4180 comma-separated values with a header row'
tsv\t'Tab-separated values with a header row'"
complete -c funnels -n "__fish_funnels_using_subcommand profiles" -l out -d 'Write the output to FILE atomically instead of standard output' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand profiles" -l timeout -d 'Limit for one request in seconds, connect to last byte; 1..=3600 [default: 30] [env: FUNNELS_TIMEOUT]' -r
complete -c funnels -n "__fish_funnels_using_subcommand profiles" -l retries -d 'Extra attempts for a transient failure; 0..=10 [default: 3] [env: FUNNELS_RETRIES]' -r
complete -c funnels -n "__fish_funnels_using_subcommand profiles" -l max-wait -d 'Longest total wait for a per-minute quota to reset; 0 = never wait; 0..=86400 [default: 120]' -r
complete -c funnels -n "__fish_funnels_using_subcommand profiles" -l color -d 'When to use colour: auto (terminal without NO_COLOR), always, never' -r -f -a "auto\t'Colour only on a terminal and never with NO_COLOR'
always\t'Always colour'
never\t'Never colour'"
complete -c funnels -n "__fish_funnels_using_subcommand profiles" -l token-stdin -d 'Read the access token from the first line of standard input'
complete -c funnels -n "__fish_funnels_using_subcommand profiles" -l no-pager -d 'Never send table output through a pager. Otherwise a table taller than the terminal goes through FUNNELS_PAGER, else PAGER, else `less -FRX` when installed; either variable set but empty turns paging off too'
complete -c funnels -n "__fish_funnels_using_subcommand profiles" -s v -l verbose -d 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)'
complete -c funnels -n "__fish_funnels_using_subcommand profiles" -s q -l quiet -d 'No notices or warnings on stderr, only errors'
complete -c funnels -n "__fish_funnels_using_subcommand profiles" -l dry-run -d 'Print the JSON-RPC request for the first page and exit; needs no token, sends nothing'
complete -c funnels -n "__fish_funnels_using_subcommand profiles" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c funnels -n "__fish_funnels_using_subcommand profiles" -s V -l version -d 'Print version'
complete -c funnels -n "__fish_funnels_using_subcommand completions" -l profile -d 'Profile of the config file to use [default: the config\'s `default_profile`]' -r
complete -c funnels -n "__fish_funnels_using_subcommand completions" -l config -d 'Config file [default: $XDG_CONFIG_HOME/funnels/config.toml]' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand completions" -l platform -d 'Platform whose API host is used [default: comagic]' -r -f -a "comagic\t'dataapi.comagic.ru'
uis\t'dataapi.uiscom.ru'
callgear\t'dataapi.callgear.com'"
complete -c funnels -n "__fish_funnels_using_subcommand completions" -l endpoint -d 'Full API URL, e.g. https://dataapi.uiscom.ru/v2.0 [default: the platform\'s URL]' -r
complete -c funnels -n "__fish_funnels_using_subcommand completions" -l token-file -d 'File holding the access token (trimmed) [env: FUNNELS_TOKEN_FILE, below FUNNELS_TOKEN]. The token itself may be given in FUNNELS_TOKEN; there is deliberately no flag for it' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand completions" -l user-id -d 'Client user to act for (required for agent accounts), 1..=2^53 [env: FUNNELS_USER_ID]. One from the environment or the profile is not used by --all-users' -r
complete -c funnels -n "__fish_funnels_using_subcommand completions" -s o -l output -d 'Output format [default: table]' -r -f -a "table\t'A human-readable table'
json\t'One pretty-printed JSON array'
ndjson\t'One compact JSON object per line'
csv\t'RFC 4180 comma-separated values with a header row'
tsv\t'Tab-separated values with a header row'"
complete -c funnels -n "__fish_funnels_using_subcommand completions" -l out -d 'Write the output to FILE atomically instead of standard output' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand completions" -l timeout -d 'Limit for one request in seconds, connect to last byte; 1..=3600 [default: 30] [env: FUNNELS_TIMEOUT]' -r
complete -c funnels -n "__fish_funnels_using_subcommand completions" -l retries -d 'Extra attempts for a transient failure; 0..=10 [default: 3] [env: FUNNELS_RETRIES]' -r
complete -c funnels -n "__fish_funnels_using_subcommand completions" -l max-wait -d 'Longest total wait for a per-minute quota to reset; 0 = never wait; 0..=86400 [default: 120]' -r
complete -c funnels -n "__fish_funnels_using_subcommand completions" -l color -d 'When to use colour: auto (terminal without NO_COLOR), always, never' -r -f -a "auto\t'Colour only on a terminal and never with NO_COLOR'
always\t'Always colour'
never\t'Never colour'"
complete -c funnels -n "__fish_funnels_using_subcommand completions" -l token-stdin -d 'Read the access token from the first line of standard input'
complete -c funnels -n "__fish_funnels_using_subcommand completions" -l no-pager -d 'Never send table output through a pager. Otherwise a table taller than the terminal goes through FUNNELS_PAGER, else PAGER, else `less -FRX` when installed; either variable set but empty turns paging off too'
complete -c funnels -n "__fish_funnels_using_subcommand completions" -s v -l verbose -d 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)'
complete -c funnels -n "__fish_funnels_using_subcommand completions" -s q -l quiet -d 'No notices or warnings on stderr, only errors'
complete -c funnels -n "__fish_funnels_using_subcommand completions" -l dry-run -d 'Print the JSON-RPC request for the first page and exit; needs no token, sends nothing'
complete -c funnels -n "__fish_funnels_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c funnels -n "__fish_funnels_using_subcommand completions" -s V -l version -d 'Print version'
complete -c funnels -n "__fish_funnels_using_subcommand man" -l profile -d 'Profile of the config file to use [default: the config\'s `default_profile`]' -r
complete -c funnels -n "__fish_funnels_using_subcommand man" -l config -d 'Config file [default: $XDG_CONFIG_HOME/funnels/config.toml]' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand man" -l platform -d 'Platform whose API host is used [default: comagic]' -r -f -a "comagic\t'dataapi.comagic.ru'
uis\t'dataapi.uiscom.ru'
callgear\t'dataapi.callgear.com'"
complete -c funnels -n "__fish_funnels_using_subcommand man" -l endpoint -d 'Full API URL, e.g. https://dataapi.uiscom.ru/v2.0 [default: the platform\'s URL]' -r
complete -c funnels -n "__fish_funnels_using_subcommand man" -l token-file -d 'File holding the access token (trimmed) [env: FUNNELS_TOKEN_FILE, below FUNNELS_TOKEN]. The token itself may be given in FUNNELS_TOKEN; there is deliberately no flag for it' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand man" -l user-id -d 'Client user to act for (required for agent accounts), 1..=2^53 [env: FUNNELS_USER_ID]. One from the environment or the profile is not used by --all-users' -r
complete -c funnels -n "__fish_funnels_using_subcommand man" -s o -l output -d 'Output format [default: table]' -r -f -a "table\t'A human-readable table'
json\t'One pretty-printed JSON array'
ndjson\t'One compact JSON object per line'
csv\t'RFC 4180 comma-separated values with a header row'
tsv\t'Tab-separated values with a header row'"
complete -c funnels -n "__fish_funnels_using_subcommand man" -l out -d 'Write the output to FILE atomically instead of standard output' -r -F
complete -c funnels -n "__fish_funnels_using_subcommand man" -l timeout -d 'Limit for one request in seconds, connect to last byte; 1..=3600 [default: 30] [env: FUNNELS_TIMEOUT]' -r
complete -c funnels -n "__fish_funnels_using_subcommand man" -l retries -d 'Extra attempts for a transient failure; 0..=10 [default: 3] [env: FUNNELS_RETRIES]' -r
complete -c funnels -n "__fish_funnels_using_subcommand man" -l max-wait -d 'Longest total wait for a per-minute quota to reset; 0 = never wait; 0..=86400 [default: 120]' -r
complete -c funnels -n "__fish_funnels_using_subcommand man" -l color -d 'When to use colour: auto (terminal without NO_COLOR), always, never' -r -f -a "auto\t'Colour only on a terminal and never with NO_COLOR'
always\t'Always colour'
never\t'Never colour'"
complete -c funnels -n "__fish_funnels_using_subcommand man" -l token-stdin -d 'Read the access token from the first line of standard input'
complete -c funnels -n "__fish_funnels_using_subcommand man" -l no-pager -d 'Never send table output through a pager. Otherwise a table taller than the terminal goes through FUNNELS_PAGER, else PAGER, else `less -FRX` when installed; either variable set but empty turns paging off too'
complete -c funnels -n "__fish_funnels_using_subcommand man" -s v -l verbose -d 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)'
complete -c funnels -n "__fish_funnels_using_subcommand man" -s q -l quiet -d 'No notices or warnings on stderr, only errors'
complete -c funnels -n "__fish_funnels_using_subcommand man" -l dry-run -d 'Print the JSON-RPC request for the first page and exit; needs no token, sends nothing'
complete -c funnels -n "__fish_funnels_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c funnels -n "__fish_funnels_using_subcommand man" -s V -l version -d 'Print version'
complete -c funnels -n "__fish_funnels_using_subcommand help; and not __fish_seen_subcommand_from list show check users login logout profiles completions man help" -f -a "list" -d 'List sales funnels (get.sales_funnel)'
complete -c funnels -n "__fish_funnels_using_subcommand help; and not __fish_seen_subcommand_from list show check users login logout profiles completions man help" -f -a "show" -d 'Show one funnel and its stages'
complete -c funnels -n "__fish_funnels_using_subcommand help; and not __fish_seen_subcommand_from list show check users login logout profiles completions man help" -f -a "check" -d 'Verify credentials and access; show the API points left'
complete -c funnels -n "__fish_funnels_using_subcommand help; and not __fish_seen_subcommand_from list show check users login logout profiles completions man help" -f -a "users" -d 'List the client users of an agent account (get.customer_users)'
complete -c funnels -n "__fish_funnels_using_subcommand help; and not __fish_seen_subcommand_from list show check users login logout profiles completions man help" -f -a "login" -d 'Open a session with login and password (login.user) and store its key'
complete -c funnels -n "__fish_funnels_using_subcommand help; and not __fish_seen_subcommand_from list show check users login logout profiles completions man help" -f -a "logout" -d 'End the stored session (logout.user) and delete it'
complete -c funnels -n "__fish_funnels_using_subcommand help; and not __fish_seen_subcommand_from list show check users login logout profiles completions man help" -f -a "profiles" -d 'List the profiles of the config file and which one is in use'
complete -c funnels -n "__fish_funnels_using_subcommand help; and not __fish_seen_subcommand_from list show check users login logout profiles completions man help" -f -a "completions" -d 'Print a completion script for SHELL'
complete -c funnels -n "__fish_funnels_using_subcommand help; and not __fish_seen_subcommand_from list show check users login logout profiles completions man help" -f -a "man" -d 'Print the man page (roff), or the page of one command'
complete -c funnels -n "__fish_funnels_using_subcommand help; and not __fish_seen_subcommand_from list show check users login logout profiles completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
