
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'funnels' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'funnels'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'funnels' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: the config''s `default_profile`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/funnels/config.toml]')
            [CompletionResult]::new('--platform', '--platform', [CompletionResultType]::ParameterName, 'Platform whose API host is used [default: comagic]')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'Full API URL, e.g. https://dataapi.uiscom.ru/v2.0 [default: the platform''s URL]')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'File holding the access token (trimmed) [env: FUNNELS_TOKEN_FILE, below FUNNELS_TOKEN]. The token itself may be given in FUNNELS_TOKEN; there is deliberately no flag for it')
            [CompletionResult]::new('--user-id', '--user-id', [CompletionResultType]::ParameterName, 'Client user to act for (required for agent accounts), 1..=2^53 [env: FUNNELS_USER_ID]. One from the environment or the profile is not used by --all-users')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the output to FILE atomically instead of standard output')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Limit for one request in seconds, connect to last byte; 1..=3600 [default: 30] [env: FUNNELS_TIMEOUT]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Extra attempts for a transient failure; 0..=10 [default: 3] [env: FUNNELS_RETRIES]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest total wait for a per-minute quota to reset; 0 = never wait; 0..=86400 [default: 120]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (terminal without NO_COLOR), always, never')
            [CompletionResult]::new('--token-stdin', '--token-stdin', [CompletionResultType]::ParameterName, 'Read the access token from the first line of standard input')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Never send table output through a pager. Otherwise a table taller than the terminal goes through FUNNELS_PAGER, else PAGER, else `less -FRX` when installed; either variable set but empty turns paging off too')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notices or warnings on stderr, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notices or warnings on stderr, only errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the JSON-RPC request for the first page and exit; needs no token, sends nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List sales funnels (get.sales_funnel)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one funnel and its stages')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Verify credentials and access; show the API points left')
            [CompletionResult]::new('users', 'users', [CompletionResultType]::ParameterValue, 'List the client users of an agent account (get.customer_users)')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Open a session with login and password (login.user) and store its key')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'End the stored session (logout.user) and delete it')
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'List the profiles of the config file and which one is in use')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a completion script for SHELL')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff), or the page of one command')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'funnels;list' {
            [CompletionResult]::new('--filter', '--filter', [CompletionResultType]::ParameterName, 'A condition `FIELD OP [VALUE]`, e.g. `name=Main`, `name like %Sales%`, `ext_id in 1,2,3`; repeatable, AND-ed')
            [CompletionResult]::new('--filter-json', '--filter-json', [CompletionResultType]::ParameterName, 'A raw API filter object sent unchanged: JSON text, @FILE, or - for standard input')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Sort keys `FIELD[:asc|desc]`, comma-separated or repeated; priority in the order given')
            [CompletionResult]::new('--fields', '--fields', [CompletionResultType]::ParameterName, 'Comma-separated fields to request and print, in this order')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most N records in total (N >= 1), fetched over as many pages as needed')
            [CompletionResult]::new('--offset', '--offset', [CompletionResultType]::ParameterName, 'Start at record N (0..=100000)')
            [CompletionResult]::new('--page-size', '--page-size', [CompletionResultType]::ParameterName, 'Records per request, 1..=10000 [default: 10000]')
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'Fetch up to N pages concurrently (1-4) when the total is known and the minute budget covers them')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: the config''s `default_profile`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/funnels/config.toml]')
            [CompletionResult]::new('--platform', '--platform', [CompletionResultType]::ParameterName, 'Platform whose API host is used [default: comagic]')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'Full API URL, e.g. https://dataapi.uiscom.ru/v2.0 [default: the platform''s URL]')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'File holding the access token (trimmed) [env: FUNNELS_TOKEN_FILE, below FUNNELS_TOKEN]. The token itself may be given in FUNNELS_TOKEN; there is deliberately no flag for it')
            [CompletionResult]::new('--user-id', '--user-id', [CompletionResultType]::ParameterName, 'Client user to act for (required for agent accounts), 1..=2^53 [env: FUNNELS_USER_ID]. One from the environment or the profile is not used by --all-users')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the output to FILE atomically instead of standard output')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Limit for one request in seconds, connect to last byte; 1..=3600 [default: 30] [env: FUNNELS_TIMEOUT]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Extra attempts for a transient failure; 0..=10 [default: 3] [env: FUNNELS_RETRIES]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest total wait for a per-minute quota to reset; 0 = never wait; 0..=86400 [default: 120]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (terminal without NO_COLOR), always, never')
            [CompletionResult]::new('--any', '--any', [CompletionResultType]::ParameterName, 'OR the --filter conditions instead of AND-ing them')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Follow offsets until every record is fetched')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Print only the number of matching records (one request with limit 1)')
            [CompletionResult]::new('--no-header', '--no-header', [CompletionResultType]::ParameterName, 'No header row in table, csv and tsv output')
            [CompletionResult]::new('--stream', '--stream', [CompletionResultType]::ParameterName, 'With ndjson, csv or tsv: write each page as it arrives')
            [CompletionResult]::new('--excel', '--excel', [CompletionResultType]::ParameterName, 'With -o csv: a file for spreadsheets (a UTF-8 BOM first; a cell starting with = + - @, tab or CR gets a leading '')')
            [CompletionResult]::new('--explode', '--explode', [CompletionResultType]::ParameterName, 'One record per stage instead of one per funnel')
            [CompletionResult]::new('--all-users', '--all-users', [CompletionResultType]::ParameterName, 'Agent accounts: the funnels of every client user')
            [CompletionResult]::new('--keep-going', '--keep-going', [CompletionResultType]::ParameterName, 'With --all-users: skip a failing user with a warning and exit 9 at the end')
            [CompletionResult]::new('--token-stdin', '--token-stdin', [CompletionResultType]::ParameterName, 'Read the access token from the first line of standard input')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Never send table output through a pager. Otherwise a table taller than the terminal goes through FUNNELS_PAGER, else PAGER, else `less -FRX` when installed; either variable set but empty turns paging off too')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notices or warnings on stderr, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notices or warnings on stderr, only errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the JSON-RPC request for the first page and exit; needs no token, sends nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'funnels;show' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: the config''s `default_profile`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/funnels/config.toml]')
            [CompletionResult]::new('--platform', '--platform', [CompletionResultType]::ParameterName, 'Platform whose API host is used [default: comagic]')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'Full API URL, e.g. https://dataapi.uiscom.ru/v2.0 [default: the platform''s URL]')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'File holding the access token (trimmed) [env: FUNNELS_TOKEN_FILE, below FUNNELS_TOKEN]. The token itself may be given in FUNNELS_TOKEN; there is deliberately no flag for it')
            [CompletionResult]::new('--user-id', '--user-id', [CompletionResultType]::ParameterName, 'Client user to act for (required for agent accounts), 1..=2^53 [env: FUNNELS_USER_ID]. One from the environment or the profile is not used by --all-users')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the output to FILE atomically instead of standard output')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Limit for one request in seconds, connect to last byte; 1..=3600 [default: 30] [env: FUNNELS_TIMEOUT]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Extra attempts for a transient failure; 0..=10 [default: 3] [env: FUNNELS_RETRIES]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest total wait for a per-minute quota to reset; 0 = never wait; 0..=86400 [default: 120]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (terminal without NO_COLOR), always, never')
            [CompletionResult]::new('--excel', '--excel', [CompletionResultType]::ParameterName, 'With -o csv: a file for spreadsheets (a UTF-8 BOM first; a cell starting with = + - @, tab or CR gets a leading '')')
            [CompletionResult]::new('--token-stdin', '--token-stdin', [CompletionResultType]::ParameterName, 'Read the access token from the first line of standard input')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Never send table output through a pager. Otherwise a table taller than the terminal goes through FUNNELS_PAGER, else PAGER, else `less -FRX` when installed; either variable set but empty turns paging off too')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notices or warnings on stderr, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notices or warnings on stderr, only errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the JSON-RPC request for the first page and exit; needs no token, sends nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'funnels;check' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: the config''s `default_profile`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/funnels/config.toml]')
            [CompletionResult]::new('--platform', '--platform', [CompletionResultType]::ParameterName, 'Platform whose API host is used [default: comagic]')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'Full API URL, e.g. https://dataapi.uiscom.ru/v2.0 [default: the platform''s URL]')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'File holding the access token (trimmed) [env: FUNNELS_TOKEN_FILE, below FUNNELS_TOKEN]. The token itself may be given in FUNNELS_TOKEN; there is deliberately no flag for it')
            [CompletionResult]::new('--user-id', '--user-id', [CompletionResultType]::ParameterName, 'Client user to act for (required for agent accounts), 1..=2^53 [env: FUNNELS_USER_ID]. One from the environment or the profile is not used by --all-users')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the output to FILE atomically instead of standard output')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Limit for one request in seconds, connect to last byte; 1..=3600 [default: 30] [env: FUNNELS_TIMEOUT]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Extra attempts for a transient failure; 0..=10 [default: 3] [env: FUNNELS_RETRIES]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest total wait for a per-minute quota to reset; 0 = never wait; 0..=86400 [default: 120]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (terminal without NO_COLOR), always, never')
            [CompletionResult]::new('--token-stdin', '--token-stdin', [CompletionResultType]::ParameterName, 'Read the access token from the first line of standard input')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Never send table output through a pager. Otherwise a table taller than the terminal goes through FUNNELS_PAGER, else PAGER, else `less -FRX` when installed; either variable set but empty turns paging off too')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notices or warnings on stderr, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notices or warnings on stderr, only errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the JSON-RPC request for the first page and exit; needs no token, sends nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'funnels;users' {
            [CompletionResult]::new('--filter', '--filter', [CompletionResultType]::ParameterName, 'A condition `FIELD OP [VALUE]`, e.g. `name=Main`, `name like %Sales%`, `ext_id in 1,2,3`; repeatable, AND-ed')
            [CompletionResult]::new('--filter-json', '--filter-json', [CompletionResultType]::ParameterName, 'A raw API filter object sent unchanged: JSON text, @FILE, or - for standard input')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Sort keys `FIELD[:asc|desc]`, comma-separated or repeated; priority in the order given')
            [CompletionResult]::new('--fields', '--fields', [CompletionResultType]::ParameterName, 'Comma-separated fields to request and print, in this order')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most N records in total (N >= 1), fetched over as many pages as needed')
            [CompletionResult]::new('--offset', '--offset', [CompletionResultType]::ParameterName, 'Start at record N (0..=100000)')
            [CompletionResult]::new('--page-size', '--page-size', [CompletionResultType]::ParameterName, 'Records per request, 1..=10000 [default: 10000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: the config''s `default_profile`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/funnels/config.toml]')
            [CompletionResult]::new('--platform', '--platform', [CompletionResultType]::ParameterName, 'Platform whose API host is used [default: comagic]')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'Full API URL, e.g. https://dataapi.uiscom.ru/v2.0 [default: the platform''s URL]')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'File holding the access token (trimmed) [env: FUNNELS_TOKEN_FILE, below FUNNELS_TOKEN]. The token itself may be given in FUNNELS_TOKEN; there is deliberately no flag for it')
            [CompletionResult]::new('--user-id', '--user-id', [CompletionResultType]::ParameterName, 'Client user to act for (required for agent accounts), 1..=2^53 [env: FUNNELS_USER_ID]. One from the environment or the profile is not used by --all-users')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the output to FILE atomically instead of standard output')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Limit for one request in seconds, connect to last byte; 1..=3600 [default: 30] [env: FUNNELS_TIMEOUT]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Extra attempts for a transient failure; 0..=10 [default: 3] [env: FUNNELS_RETRIES]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest total wait for a per-minute quota to reset; 0 = never wait; 0..=86400 [default: 120]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (terminal without NO_COLOR), always, never')
            [CompletionResult]::new('--any', '--any', [CompletionResultType]::ParameterName, 'OR the --filter conditions instead of AND-ing them')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Follow offsets until every record is fetched')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Print only the number of matching records (one request with limit 1)')
            [CompletionResult]::new('--no-header', '--no-header', [CompletionResultType]::ParameterName, 'No header row in table, csv and tsv output')
            [CompletionResult]::new('--stream', '--stream', [CompletionResultType]::ParameterName, 'With ndjson, csv or tsv: write each page as it arrives')
            [CompletionResult]::new('--excel', '--excel', [CompletionResultType]::ParameterName, 'With -o csv: a file for spreadsheets (a UTF-8 BOM first; a cell starting with = + - @, tab or CR gets a leading '')')
            [CompletionResult]::new('--token-stdin', '--token-stdin', [CompletionResultType]::ParameterName, 'Read the access token from the first line of standard input')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Never send table output through a pager. Otherwise a table taller than the terminal goes through FUNNELS_PAGER, else PAGER, else `less -FRX` when installed; either variable set but empty turns paging off too')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notices or warnings on stderr, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notices or warnings on stderr, only errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the JSON-RPC request for the first page and exit; needs no token, sends nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'funnels;login' {
            [CompletionResult]::new('--login', '--login', [CompletionResultType]::ParameterName, 'Login name [default: prompted on a terminal]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: the config''s `default_profile`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/funnels/config.toml]')
            [CompletionResult]::new('--platform', '--platform', [CompletionResultType]::ParameterName, 'Platform whose API host is used [default: comagic]')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'Full API URL, e.g. https://dataapi.uiscom.ru/v2.0 [default: the platform''s URL]')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'File holding the access token (trimmed) [env: FUNNELS_TOKEN_FILE, below FUNNELS_TOKEN]. The token itself may be given in FUNNELS_TOKEN; there is deliberately no flag for it')
            [CompletionResult]::new('--user-id', '--user-id', [CompletionResultType]::ParameterName, 'Client user to act for (required for agent accounts), 1..=2^53 [env: FUNNELS_USER_ID]. One from the environment or the profile is not used by --all-users')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the output to FILE atomically instead of standard output')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Limit for one request in seconds, connect to last byte; 1..=3600 [default: 30] [env: FUNNELS_TIMEOUT]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Extra attempts for a transient failure; 0..=10 [default: 3] [env: FUNNELS_RETRIES]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest total wait for a per-minute quota to reset; 0 = never wait; 0..=86400 [default: 120]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (terminal without NO_COLOR), always, never')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the password from the first line of standard input')
            [CompletionResult]::new('--token-stdin', '--token-stdin', [CompletionResultType]::ParameterName, 'Read the access token from the first line of standard input')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Never send table output through a pager. Otherwise a table taller than the terminal goes through FUNNELS_PAGER, else PAGER, else `less -FRX` when installed; either variable set but empty turns paging off too')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notices or warnings on stderr, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notices or warnings on stderr, only errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the JSON-RPC request for the first page and exit; needs no token, sends nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'funnels;logout' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: the config''s `default_profile`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/funnels/config.toml]')
            [CompletionResult]::new('--platform', '--platform', [CompletionResultType]::ParameterName, 'Platform whose API host is used [default: comagic]')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'Full API URL, e.g. https://dataapi.uiscom.ru/v2.0 [default: the platform''s URL]')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'File holding the access token (trimmed) [env: FUNNELS_TOKEN_FILE, below FUNNELS_TOKEN]. The token itself may be given in FUNNELS_TOKEN; there is deliberately no flag for it')
            [CompletionResult]::new('--user-id', '--user-id', [CompletionResultType]::ParameterName, 'Client user to act for (required for agent accounts), 1..=2^53 [env: FUNNELS_USER_ID]. One from the environment or the profile is not used by --all-users')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the output to FILE atomically instead of standard output')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Limit for one request in seconds, connect to last byte; 1..=3600 [default: 30] [env: FUNNELS_TIMEOUT]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Extra attempts for a transient failure; 0..=10 [default: 3] [env: FUNNELS_RETRIES]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest total wait for a per-minute quota to reset; 0 = never wait; 0..=86400 [default: 120]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (terminal without NO_COLOR), always, never')
            [CompletionResult]::new('--token-stdin', '--token-stdin', [CompletionResultType]::ParameterName, 'Read the access token from the first line of standard input')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Never send table output through a pager. Otherwise a table taller than the terminal goes through FUNNELS_PAGER, else PAGER, else `less -FRX` when installed; either variable set but empty turns paging off too')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notices or warnings on stderr, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notices or warnings on stderr, only errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the JSON-RPC request for the first page and exit; needs no token, sends nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'funnels;profiles' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: the config''s `default_profile`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/funnels/config.toml]')
            [CompletionResult]::new('--platform', '--platform', [CompletionResultType]::ParameterName, 'Platform whose API host is used [default: comagic]')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'Full API URL, e.g. https://dataapi.uiscom.ru/v2.0 [default: the platform''s URL]')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'File holding the access token (trimmed) [env: FUNNELS_TOKEN_FILE, below FUNNELS_TOKEN]. The token itself may be given in FUNNELS_TOKEN; there is deliberately no flag for it')
            [CompletionResult]::new('--user-id', '--user-id', [CompletionResultType]::ParameterName, 'Client user to act for (required for agent accounts), 1..=2^53 [env: FUNNELS_USER_ID]. One from the environment or the profile is not used by --all-users')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the output to FILE atomically instead of standard output')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Limit for one request in seconds, connect to last byte; 1..=3600 [default: 30] [env: FUNNELS_TIMEOUT]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Extra attempts for a transient failure; 0..=10 [default: 3] [env: FUNNELS_RETRIES]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest total wait for a per-minute quota to reset; 0 = never wait; 0..=86400 [default: 120]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (terminal without NO_COLOR), always, never')
            [CompletionResult]::new('--token-stdin', '--token-stdin', [CompletionResultType]::ParameterName, 'Read the access token from the first line of standard input')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Never send table output through a pager. Otherwise a table taller than the terminal goes through FUNNELS_PAGER, else PAGER, else `less -FRX` when installed; either variable set but empty turns paging off too')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notices or warnings on stderr, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notices or warnings on stderr, only errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the JSON-RPC request for the first page and exit; needs no token, sends nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'funnels;completions' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: the config''s `default_profile`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/funnels/config.toml]')
            [CompletionResult]::new('--platform', '--platform', [CompletionResultType]::ParameterName, 'Platform whose API host is used [default: comagic]')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'Full API URL, e.g. https://dataapi.uiscom.ru/v2.0 [default: the platform''s URL]')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'File holding the access token (trimmed) [env: FUNNELS_TOKEN_FILE, below FUNNELS_TOKEN]. The token itself may be given in FUNNELS_TOKEN; there is deliberately no flag for it')
            [CompletionResult]::new('--user-id', '--user-id', [CompletionResultType]::ParameterName, 'Client user to act for (required for agent accounts), 1..=2^53 [env: FUNNELS_USER_ID]. One from the environment or the profile is not used by --all-users')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the output to FILE atomically instead of standard output')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Limit for one request in seconds, connect to last byte; 1..=3600 [default: 30] [env: FUNNELS_TIMEOUT]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Extra attempts for a transient failure; 0..=10 [default: 3] [env: FUNNELS_RETRIES]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest total wait for a per-minute quota to reset; 0 = never wait; 0..=86400 [default: 120]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (terminal without NO_COLOR), always, never')
            [CompletionResult]::new('--token-stdin', '--token-stdin', [CompletionResultType]::ParameterName, 'Read the access token from the first line of standard input')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Never send table output through a pager. Otherwise a table taller than the terminal goes through FUNNELS_PAGER, else PAGER, else `less -FRX` when installed; either variable set but empty turns paging off too')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notices or warnings on stderr, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notices or warnings on stderr, only errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the JSON-RPC request for the first page and exit; needs no token, sends nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'funnels;man' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: the config''s `default_profile`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/funnels/config.toml]')
            [CompletionResult]::new('--platform', '--platform', [CompletionResultType]::ParameterName, 'Platform whose API host is used [default: comagic]')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'Full API URL, e.g. https://dataapi.uiscom.ru/v2.0 [default: the platform''s URL]')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'File holding the access token (trimmed) [env: FUNNELS_TOKEN_FILE, below FUNNELS_TOKEN]. The token itself may be given in FUNNELS_TOKEN; there is deliberately no flag for it')
            [CompletionResult]::new('--user-id', '--user-id', [CompletionResultType]::ParameterName, 'Client user to act for (required for agent accounts), 1..=2^53 [env: FUNNELS_USER_ID]. One from the environment or the profile is not used by --all-users')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the output to FILE atomically instead of standard output')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Limit for one request in seconds, connect to last byte; 1..=3600 [default: 30] [env: FUNNELS_TIMEOUT]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Extra attempts for a transient failure; 0..=10 [default: 3] [env: FUNNELS_RETRIES]')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'Longest total wait for a per-minute quota to reset; 0 = never wait; 0..=86400 [default: 120]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (terminal without NO_COLOR), always, never')
            [CompletionResult]::new('--token-stdin', '--token-stdin', [CompletionResultType]::ParameterName, 'Read the access token from the first line of standard input')
            [CompletionResult]::new('--no-pager', '--no-pager', [CompletionResultType]::ParameterName, 'Never send table output through a pager. Otherwise a table taller than the terminal goes through FUNNELS_PAGER, else PAGER, else `less -FRX` when installed; either variable set but empty turns paging off too')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notices or warnings on stderr, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notices or warnings on stderr, only errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the JSON-RPC request for the first page and exit; needs no token, sends nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'funnels;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List sales funnels (get.sales_funnel)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one funnel and its stages')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Verify credentials and access; show the API points left')
            [CompletionResult]::new('users', 'users', [CompletionResultType]::ParameterValue, 'List the client users of an agent account (get.customer_users)')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Open a session with login and password (login.user) and store its key')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'End the stored session (logout.user) and delete it')
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'List the profiles of the config file and which one is in use')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a completion script for SHELL')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff), or the page of one command')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'funnels;help;list' {
            break
        }
        'funnels;help;show' {
            break
        }
        'funnels;help;check' {
            break
        }
        'funnels;help;users' {
            break
        }
        'funnels;help;login' {
            break
        }
        'funnels;help;logout' {
            break
        }
        'funnels;help;profiles' {
            break
        }
        'funnels;help;completions' {
            break
        }
        'funnels;help;man' {
            break
        }
        'funnels;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
