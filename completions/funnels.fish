complete --keep-order --exclusive --command funnels --arguments "(FUNNELS_COMPLETE=fish funnels -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
