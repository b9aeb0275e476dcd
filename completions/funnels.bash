
_funnels_whole_word() {
    local line="${COMP_LINE:0:COMP_POINT}"
    local whole="${line##*[[:blank:]]}"
    local joined="${COMP_WORDS[COMP_CWORD]}" first=$COMP_CWORD
    while [[ "$joined" != "$whole" && $first -gt 1 && ${#joined} -lt ${#whole} ]]; do
        first=$((first - 1))
        joined="${COMP_WORDS[first]}$joined"
    done
    if [[ "$whole" != *:* || "$joined" != "$whole" || $first -eq $COMP_CWORD ]]; then
        _clap_complete_funnels "$@"
        return
    fi
    local COMP_WORDS=("${COMP_WORDS[@]:0:first}" "$whole") COMP_CWORD=$first
    _clap_complete_funnels "$1" "$whole" "${COMP_WORDS[first - 1]}"
    local i colon="${whole%"${whole##*:}"}"
    for i in "${!COMPREPLY[@]}"; do
        COMPREPLY[i]="${COMPREPLY[i]#"$colon"}"
    done
}

_clap_complete_funnels() {
    local IFS=$'\013'
    local _CLAP_COMPLETE_INDEX=${COMP_CWORD}
    local _CLAP_COMPLETE_COMP_TYPE=${COMP_TYPE}
    if compopt +o nospace 2> /dev/null; then
        local _CLAP_COMPLETE_SPACE=false
    else
        local _CLAP_COMPLETE_SPACE=true
    fi
    local words=("${COMP_WORDS[@]}")
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        words[COMP_CWORD]="$2"
    fi
    COMPREPLY=( $( \
        _CLAP_IFS="$IFS" \
        _CLAP_COMPLETE_INDEX="$_CLAP_COMPLETE_INDEX" \
        _CLAP_COMPLETE_COMP_TYPE="$_CLAP_COMPLETE_COMP_TYPE" \
        _CLAP_COMPLETE_SPACE="$_CLAP_COMPLETE_SPACE" \
        FUNNELS_COMPLETE="bash" \
        "funnels" -- "${words[@]}" \
    ) )
    if [[ $? != 0 ]]; then
        unset COMPREPLY
    elif [[ $_CLAP_COMPLETE_SPACE == false ]] && [[ "${COMPREPLY-}" =~ [=/:]$ ]]; then
        compopt -o nospace
    fi
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -o nospace -o bashdefault -o nosort -F _funnels_whole_word funnels
else
    complete -o nospace -o bashdefault -F _funnels_whole_word funnels
fi

