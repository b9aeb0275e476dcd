
set edit:completion:arg-completer[funnels] = { |@words|
    var index = (count $words)
    set index = (- $index 1)

    put (env _CLAP_IFS="\n" _CLAP_COMPLETE_INDEX=(to-string $index) FUNNELS_COMPLETE="elvish" funnels -- $@words) | to-lines
}

