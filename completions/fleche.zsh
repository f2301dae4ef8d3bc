#compdef fleche

autoload -U is-at-least

_fleche() {
    typeset -A opt_args
    typeset -a _arguments_options
    local ret=1

    if is-at-least 5.2; then
        _arguments_options=(-s -S -C)
    else
        _arguments_options=(-s -C)
    fi

    local context curcontext="$curcontext" state line
    _arguments "${_arguments_options[@]}" : \
'-C+[Run as if started in DIR (affects where fleche.toml is looked for)]:DIR:_files' \
'--cache=[Use the cache of this name from the configuration]:NAME:_default' \
'--config=[Read this configuration file instead of searching for fleche.toml]:FILE:_files' \
'--root=[Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration]:DIR:_files' \
'--sql=[Read call records from this database URL (e.g. postgresql\://user@host/db) instead of the configured one]:URL:_default' \
'--color=[When to colour output\: auto (a terminal without NO_COLOR), always, never]:WHEN:(auto always never)' \
'--offline[Leave remote layers (\`type = "ssh"\`) out on purpose\: no warning, and evictions go to the local layers only]' \
'--no-index[Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_fleche_commands" \
"*::: :->fleche" \
&& ret=0
    case $state in
    (fleche)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:fleche-command-$line[1]:"
        case $line[1] in
            (ls)
_arguments "${_arguments_options[@]}" : \
'-n+[Show at most N calls]:N:_default' \
'--limit=[Show at most N calls]:N:_default' \
'--sort=[Order of the rows]:SORT:((started\:"Start time, newest first"
stopped\:"Stop time, newest first"
name\:"Function name, A to Z"
walltime\:"Wall time, longest first"
key\:"Call key"))' \
'--format=[Output format]:FORMAT:((table\:"Aligned columns for people"
json\:"One JSON array"
jsonl\:"One JSON object per line"
csv\:"Comma-separated, with a header line"
tsv\:"Tab-separated, with a header line"))' \
'-C+[Run as if started in DIR (affects where fleche.toml is looked for)]:DIR:_files' \
'--cache=[Use the cache of this name from the configuration]:NAME:_default' \
'--config=[Read this configuration file instead of searching for fleche.toml]:FILE:_files' \
'--root=[Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration]:DIR:_files' \
'--sql=[Read call records from this database URL (e.g. postgresql\://user@host/db) instead of the configured one]:URL:_default' \
'--color=[When to colour output\: auto (a terminal without NO_COLOR), always, never]:WHEN:(auto always never)' \
'-r[Reverse the order]' \
'--reverse[Reverse the order]' \
'--offline[Leave remote layers (\`type = "ssh"\`) out on purpose\: no warning, and evictions go to the local layers only]' \
'--no-index[Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(query)
_arguments "${_arguments_options[@]}" : \
'--name=[Calls named NAME (the function'\''s qualified name, e.g. \`fib\`, \`MyClass.compute\`)]:NAME:_default' \
'--module=[Calls from MODULE]:MODULE:_default' \
'--version=[Calls of this version\: an int when it looks like one, else a string ('\''"3"'\'' for the string 3)]:VERSION:_default' \
'--code-digest=[Calls whose function has this code digest]:DIGEST:_default' \
'*--arg=[NAME=VALUE\: an argument equal to VALUE (a Python literal, or @PREFIX of a stored value); NAME alone\: has that argument]:NAME[=VALUE]:_default' \
'--result=[Calls whose result equals VALUE (a Python literal or @PREFIX)]:VALUE:_default' \
'*--meta=[KIND\: has that metadata; KIND.KEY\: has that key; KIND.KEY=VALUE\: equal (1, 1.0 and True are equal; '\''1'\'' is not)]:KIND[.KEY[=VALUE]]:_default' \
'*--tag=[KEY\[=VALUE\]\: short for --meta tags.KEY\[=VALUE\]]:KEY[=VALUE]:_default' \
'--since=[Calls started at or after WHEN\: a date (2026-11-28, 2026-11-28T14\:00) or an age (30m, 2h, 3d, 1w)]:WHEN:_default' \
'--until=[Calls started at or before WHEN (same forms as --since)]:WHEN:_default' \
'-n+[Show at most N calls]:N:_default' \
'--limit=[Show at most N calls]:N:_default' \
'--sort=[Order of the rows]:SORT:((started\:"Start time, newest first"
stopped\:"Stop time, newest first"
name\:"Function name, A to Z"
walltime\:"Wall time, longest first"
key\:"Call key"))' \
'--format=[Output format]:FORMAT:((table\:"Aligned columns for people"
json\:"One JSON array"
jsonl\:"One JSON object per line"
csv\:"Comma-separated, with a header line"
tsv\:"Tab-separated, with a header line"))' \
'*--args=[Add decoded arguments as columns\: a comma-separated list of names, or \`all\`]:NAMES|all:_default' \
'-C+[Run as if started in DIR (affects where fleche.toml is looked for)]:DIR:_files' \
'--cache=[Use the cache of this name from the configuration]:NAME:_default' \
'--config=[Read this configuration file instead of searching for fleche.toml]:FILE:_files' \
'--root=[Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration]:DIR:_files' \
'--sql=[Read call records from this database URL (e.g. postgresql\://user@host/db) instead of the configured one]:URL:_default' \
'--color=[When to colour output\: auto (a terminal without NO_COLOR), always, never]:WHEN:(auto always never)' \
'-r[Reverse the order]' \
'--reverse[Reverse the order]' \
'(--latest --oldest)--count[Print only the number of matching calls]' \
'(--oldest)--latest[Only the matching call that stopped last (fleche'\''s \`latest()\`)]' \
'--oldest[Only the matching call that stopped first (fleche'\''s \`oldest()\`)]' \
'--results[Add the decoded result as a column]' \
'--full[Do not abbreviate decoded values]' \
'--offline[Leave remote layers (\`type = "ssh"\`) out on purpose\: no warning, and evictions go to the local layers only]' \
'--no-index[Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(show)
_arguments "${_arguments_options[@]}" : \
'--format=[]:FORMAT:((text\:"Labelled lines for people"
json\:"One JSON array of objects"
jsonl\:"One JSON object per line"))' \
'-C+[Run as if started in DIR (affects where fleche.toml is looked for)]:DIR:_files' \
'--cache=[Use the cache of this name from the configuration]:NAME:_default' \
'--config=[Read this configuration file instead of searching for fleche.toml]:FILE:_files' \
'--root=[Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration]:DIR:_files' \
'--sql=[Read call records from this database URL (e.g. postgresql\://user@host/db) instead of the configured one]:URL:_default' \
'--color=[When to colour output\: auto (a terminal without NO_COLOR), always, never]:WHEN:(auto always never)' \
'--full[Show values in full instead of abbreviating long ones]' \
'--offline[Leave remote layers (\`type = "ssh"\`) out on purpose\: no warning, and evictions go to the local layers only]' \
'--no-index[Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'*::prefixes -- Digests or prefixes (at least 4 hex characters) of calls or values; `-` reads stdin:_default' \
&& ret=0
;;
(expand)
_arguments "${_arguments_options[@]}" : \
'--format=[Output format; the default prints one full digest per line]:FORMAT:((table\:"Aligned columns for people"
json\:"One JSON array"
jsonl\:"One JSON object per line"
csv\:"Comma-separated, with a header line"
tsv\:"Tab-separated, with a header line"))' \
'-C+[Run as if started in DIR (affects where fleche.toml is looked for)]:DIR:_files' \
'--cache=[Use the cache of this name from the configuration]:NAME:_default' \
'--config=[Read this configuration file instead of searching for fleche.toml]:FILE:_files' \
'--root=[Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration]:DIR:_files' \
'--sql=[Read call records from this database URL (e.g. postgresql\://user@host/db) instead of the configured one]:URL:_default' \
'--color=[When to colour output\: auto (a terminal without NO_COLOR), always, never]:WHEN:(auto always never)' \
'--offline[Leave remote layers (\`type = "ssh"\`) out on purpose\: no warning, and evictions go to the local layers only]' \
'--no-index[Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'*::prefixes -- Short digests (at least 4 hex characters), or `-` for stdin:_default' \
&& ret=0
;;
(shrink)
_arguments "${_arguments_options[@]}" : \
'-C+[Run as if started in DIR (affects where fleche.toml is looked for)]:DIR:_files' \
'--cache=[Use the cache of this name from the configuration]:NAME:_default' \
'--config=[Read this configuration file instead of searching for fleche.toml]:FILE:_files' \
'--root=[Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration]:DIR:_files' \
'--sql=[Read call records from this database URL (e.g. postgresql\://user@host/db) instead of the configured one]:URL:_default' \
'--color=[When to colour output\: auto (a terminal without NO_COLOR), always, never]:WHEN:(auto always never)' \
'--offline[Leave remote layers (\`type = "ssh"\`) out on purpose\: no warning, and evictions go to the local layers only]' \
'--no-index[Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches]' \
'-h[Print help]' \
'--help[Print help]' \
'*::digests -- Full digests of calls or values, or `-` for stdin:_default' \
&& ret=0
;;
(export)
_arguments "${_arguments_options[@]}" : \
'-o+[The file to write (replaced whole), or \`-\` for standard output]:FILE:_files' \
'--output=[The file to write (replaced whole), or \`-\` for standard output]:FILE:_files' \
'--as=[The format; by default the output file'\''s extension (.npy, .json, .csv)]:FORMAT:((npy\:"A numpy array, byte for byte as \`np.save\` writes it"
json\:"Any value, as \`show --format json\` gives it"
csv\:"A pandas DataFrame or Series, as \`to_csv()\` writes it"))' \
'-C+[Run as if started in DIR (affects where fleche.toml is looked for)]:DIR:_files' \
'--cache=[Use the cache of this name from the configuration]:NAME:_default' \
'--config=[Read this configuration file instead of searching for fleche.toml]:FILE:_files' \
'--root=[Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration]:DIR:_files' \
'--sql=[Read call records from this database URL (e.g. postgresql\://user@host/db) instead of the configured one]:URL:_default' \
'--color=[When to colour output\: auto (a terminal without NO_COLOR), always, never]:WHEN:(auto always never)' \
'--offline[Leave remote layers (\`type = "ssh"\`) out on purpose\: no warning, and evictions go to the local layers only]' \
'--no-index[Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':prefix -- The value, or the call whose result to export, by (short) digest:_default' \
&& ret=0
;;
(tag)
_arguments "${_arguments_options[@]}" : \
'--name=[Calls named NAME (the function'\''s qualified name, e.g. \`fib\`, \`MyClass.compute\`)]:NAME:_default' \
'--module=[Calls from MODULE]:MODULE:_default' \
'--version=[Calls of this version\: an int when it looks like one, else a string ('\''"3"'\'' for the string 3)]:VERSION:_default' \
'--code-digest=[Calls whose function has this code digest]:DIGEST:_default' \
'*--arg=[NAME=VALUE\: an argument equal to VALUE (a Python literal, or @PREFIX of a stored value); NAME alone\: has that argument]:NAME[=VALUE]:_default' \
'--result=[Calls whose result equals VALUE (a Python literal or @PREFIX)]:VALUE:_default' \
'*--meta=[KIND\: has that metadata; KIND.KEY\: has that key; KIND.KEY=VALUE\: equal (1, 1.0 and True are equal; '\''1'\'' is not)]:KIND[.KEY[=VALUE]]:_default' \
'*--tag=[KEY\[=VALUE\]\: short for --meta tags.KEY\[=VALUE\]]:KEY[=VALUE]:_default' \
'--since=[Calls started at or after WHEN\: a date (2026-11-28, 2026-11-28T14\:00) or an age (30m, 2h, 3d, 1w)]:WHEN:_default' \
'--until=[Calls started at or before WHEN (same forms as --since)]:WHEN:_default' \
'*--set=[KEY=VALUE to set (VALUE is a Python literal; a bare word is a string)]:KEY=VALUE:_default' \
'*--unset=[KEY to remove]:KEY:_default' \
'--format=[]:FORMAT:((table\:"Aligned columns for people"
json\:"One JSON array"
jsonl\:"One JSON object per line"
csv\:"Comma-separated, with a header line"
tsv\:"Tab-separated, with a header line"))' \
'-C+[Run as if started in DIR (affects where fleche.toml is looked for)]:DIR:_files' \
'--cache=[Use the cache of this name from the configuration]:NAME:_default' \
'--config=[Read this configuration file instead of searching for fleche.toml]:FILE:_files' \
'--root=[Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration]:DIR:_files' \
'--sql=[Read call records from this database URL (e.g. postgresql\://user@host/db) instead of the configured one]:URL:_default' \
'--color=[When to colour output\: auto (a terminal without NO_COLOR), always, never]:WHEN:(auto always never)' \
'()--all[Select every call in the cache]' \
'--dry-run[Show what would change without writing anything]' \
'--offline[Leave remote layers (\`type = "ssh"\`) out on purpose\: no warning, and evictions go to the local layers only]' \
'--no-index[Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'*::prefixes -- Calls by (short) key:_default' \
&& ret=0
;;
(untag)
_arguments "${_arguments_options[@]}" : \
'--name=[Calls named NAME (the function'\''s qualified name, e.g. \`fib\`, \`MyClass.compute\`)]:NAME:_default' \
'--module=[Calls from MODULE]:MODULE:_default' \
'--version=[Calls of this version\: an int when it looks like one, else a string ('\''"3"'\'' for the string 3)]:VERSION:_default' \
'--code-digest=[Calls whose function has this code digest]:DIGEST:_default' \
'*--arg=[NAME=VALUE\: an argument equal to VALUE (a Python literal, or @PREFIX of a stored value); NAME alone\: has that argument]:NAME[=VALUE]:_default' \
'--result=[Calls whose result equals VALUE (a Python literal or @PREFIX)]:VALUE:_default' \
'*--meta=[KIND\: has that metadata; KIND.KEY\: has that key; KIND.KEY=VALUE\: equal (1, 1.0 and True are equal; '\''1'\'' is not)]:KIND[.KEY[=VALUE]]:_default' \
'*--tag=[KEY\[=VALUE\]\: short for --meta tags.KEY\[=VALUE\]]:KEY[=VALUE]:_default' \
'--since=[Calls started at or after WHEN\: a date (2026-11-28, 2026-11-28T14\:00) or an age (30m, 2h, 3d, 1w)]:WHEN:_default' \
'--until=[Calls started at or before WHEN (same forms as --since)]:WHEN:_default' \
'*-k+[Tag keys to remove]:KEY:_default' \
'*--key=[Tag keys to remove]:KEY:_default' \
'--format=[]:FORMAT:((table\:"Aligned columns for people"
json\:"One JSON array"
jsonl\:"One JSON object per line"
csv\:"Comma-separated, with a header line"
tsv\:"Tab-separated, with a header line"))' \
'-C+[Run as if started in DIR (affects where fleche.toml is looked for)]:DIR:_files' \
'--cache=[Use the cache of this name from the configuration]:NAME:_default' \
'--config=[Read this configuration file instead of searching for fleche.toml]:FILE:_files' \
'--root=[Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration]:DIR:_files' \
'--sql=[Read call records from this database URL (e.g. postgresql\://user@host/db) instead of the configured one]:URL:_default' \
'--color=[When to colour output\: auto (a terminal without NO_COLOR), always, never]:WHEN:(auto always never)' \
'()--all[Select every call in the cache]' \
'--dry-run[Show what would change without writing anything]' \
'--offline[Leave remote layers (\`type = "ssh"\`) out on purpose\: no warning, and evictions go to the local layers only]' \
'--no-index[Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'*::prefixes -- Calls by (short) key:_default' \
&& ret=0
;;
(evict)
_arguments "${_arguments_options[@]}" : \
'--name=[Calls named NAME (the function'\''s qualified name, e.g. \`fib\`, \`MyClass.compute\`)]:NAME:_default' \
'--module=[Calls from MODULE]:MODULE:_default' \
'--version=[Calls of this version\: an int when it looks like one, else a string ('\''"3"'\'' for the string 3)]:VERSION:_default' \
'--code-digest=[Calls whose function has this code digest]:DIGEST:_default' \
'*--arg=[NAME=VALUE\: an argument equal to VALUE (a Python literal, or @PREFIX of a stored value); NAME alone\: has that argument]:NAME[=VALUE]:_default' \
'--result=[Calls whose result equals VALUE (a Python literal or @PREFIX)]:VALUE:_default' \
'*--meta=[KIND\: has that metadata; KIND.KEY\: has that key; KIND.KEY=VALUE\: equal (1, 1.0 and True are equal; '\''1'\'' is not)]:KIND[.KEY[=VALUE]]:_default' \
'*--tag=[KEY\[=VALUE\]\: short for --meta tags.KEY\[=VALUE\]]:KEY[=VALUE]:_default' \
'--since=[Calls started at or after WHEN\: a date (2026-11-28, 2026-11-28T14\:00) or an age (30m, 2h, 3d, 1w)]:WHEN:_default' \
'--until=[Calls started at or before WHEN (same forms as --since)]:WHEN:_default' \
'--format=[]:FORMAT:((table\:"Aligned columns for people"
json\:"One JSON array"
jsonl\:"One JSON object per line"
csv\:"Comma-separated, with a header line"
tsv\:"Tab-separated, with a header line"))' \
'-C+[Run as if started in DIR (affects where fleche.toml is looked for)]:DIR:_files' \
'--cache=[Use the cache of this name from the configuration]:NAME:_default' \
'--config=[Read this configuration file instead of searching for fleche.toml]:FILE:_files' \
'--root=[Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration]:DIR:_files' \
'--sql=[Read call records from this database URL (e.g. postgresql\://user@host/db) instead of the configured one]:URL:_default' \
'--color=[When to colour output\: auto (a terminal without NO_COLOR), always, never]:WHEN:(auto always never)' \
'()--all[Select every call in the cache]' \
'--dry-run[List what would be removed without removing anything]' \
'--offline[Leave remote layers (\`type = "ssh"\`) out on purpose\: no warning, and evictions go to the local layers only]' \
'--no-index[Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'*::prefixes -- Calls by (short) key:_default' \
&& ret=0
;;
(gc)
_arguments "${_arguments_options[@]}" : \
'--min-age=[Keep value files modified more recently than this (0, 90s, 30m, 2h, 1d, 1w)]:AGE:_default' \
'--format=[Output format of the list of files (a real run in table format prints only the summary)]:FORMAT:((table\:"Aligned columns for people"
json\:"One JSON array"
jsonl\:"One JSON object per line"
csv\:"Comma-separated, with a header line"
tsv\:"Tab-separated, with a header line"))' \
'-C+[Run as if started in DIR (affects where fleche.toml is looked for)]:DIR:_files' \
'--cache=[Use the cache of this name from the configuration]:NAME:_default' \
'--config=[Read this configuration file instead of searching for fleche.toml]:FILE:_files' \
'--root=[Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration]:DIR:_files' \
'--sql=[Read call records from this database URL (e.g. postgresql\://user@host/db) instead of the configured one]:URL:_default' \
'--color=[When to colour output\: auto (a terminal without NO_COLOR), always, never]:WHEN:(auto always never)' \
'--dry-run[List each file that would be deleted, with its size, and the total; delete nothing]' \
'--offline[Leave remote layers (\`type = "ssh"\`) out on purpose\: no warning, and evictions go to the local layers only]' \
'--no-index[Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(verify)
_arguments "${_arguments_options[@]}" : \
'--name=[Calls named NAME (the function'\''s qualified name, e.g. \`fib\`, \`MyClass.compute\`)]:NAME:_default' \
'--module=[Calls from MODULE]:MODULE:_default' \
'--version=[Calls of this version\: an int when it looks like one, else a string ('\''"3"'\'' for the string 3)]:VERSION:_default' \
'--code-digest=[Calls whose function has this code digest]:DIGEST:_default' \
'*--arg=[NAME=VALUE\: an argument equal to VALUE (a Python literal, or @PREFIX of a stored value); NAME alone\: has that argument]:NAME[=VALUE]:_default' \
'--result=[Calls whose result equals VALUE (a Python literal or @PREFIX)]:VALUE:_default' \
'*--meta=[KIND\: has that metadata; KIND.KEY\: has that key; KIND.KEY=VALUE\: equal (1, 1.0 and True are equal; '\''1'\'' is not)]:KIND[.KEY[=VALUE]]:_default' \
'*--tag=[KEY\[=VALUE\]\: short for --meta tags.KEY\[=VALUE\]]:KEY[=VALUE]:_default' \
'--since=[Calls started at or after WHEN\: a date (2026-11-28, 2026-11-28T14\:00) or an age (30m, 2h, 3d, 1w)]:WHEN:_default' \
'--until=[Calls started at or before WHEN (same forms as --since)]:WHEN:_default' \
'--format=[]:FORMAT:((table\:"Aligned columns for people"
json\:"One JSON array"
jsonl\:"One JSON object per line"
csv\:"Comma-separated, with a header line"
tsv\:"Tab-separated, with a header line"))' \
'-C+[Run as if started in DIR (affects where fleche.toml is looked for)]:DIR:_files' \
'--cache=[Use the cache of this name from the configuration]:NAME:_default' \
'--config=[Read this configuration file instead of searching for fleche.toml]:FILE:_files' \
'--root=[Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration]:DIR:_files' \
'--sql=[Read call records from this database URL (e.g. postgresql\://user@host/db) instead of the configured one]:URL:_default' \
'--color=[When to colour output\: auto (a terminal without NO_COLOR), always, never]:WHEN:(auto always never)' \
'--notes[Also list notes (orphans, stray files, values shown as reconstruction calls) in the output; they never fail the check]' \
'--offline[Leave remote layers (\`type = "ssh"\`) out on purpose\: no warning, and evictions go to the local layers only]' \
'--no-index[Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'*::prefixes -- Only these calls (by key prefix) and the values they reach:_default' \
&& ret=0
;;
(stats)
_arguments "${_arguments_options[@]}" : \
'--format=[\`table\` prints a summary and a table of functions; other formats one object per cache]:FORMAT:((table\:"Aligned columns for people"
json\:"One JSON array"
jsonl\:"One JSON object per line"
csv\:"Comma-separated, with a header line"
tsv\:"Tab-separated, with a header line"))' \
'-C+[Run as if started in DIR (affects where fleche.toml is looked for)]:DIR:_files' \
'--cache=[Use the cache of this name from the configuration]:NAME:_default' \
'--config=[Read this configuration file instead of searching for fleche.toml]:FILE:_files' \
'--root=[Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration]:DIR:_files' \
'--sql=[Read call records from this database URL (e.g. postgresql\://user@host/db) instead of the configured one]:URL:_default' \
'--color=[When to colour output\: auto (a terminal without NO_COLOR), always, never]:WHEN:(auto always never)' \
'--offline[Leave remote layers (\`type = "ssh"\`) out on purpose\: no warning, and evictions go to the local layers only]' \
'--no-index[Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(caches)
_arguments "${_arguments_options[@]}" : \
'--format=[]:FORMAT:((table\:"Aligned columns for people"
json\:"One JSON array"
jsonl\:"One JSON object per line"
csv\:"Comma-separated, with a header line"
tsv\:"Tab-separated, with a header line"))' \
'-C+[Run as if started in DIR (affects where fleche.toml is looked for)]:DIR:_files' \
'--cache=[Use the cache of this name from the configuration]:NAME:_default' \
'--config=[Read this configuration file instead of searching for fleche.toml]:FILE:_files' \
'--root=[Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration]:DIR:_files' \
'--sql=[Read call records from this database URL (e.g. postgresql\://user@host/db) instead of the configured one]:URL:_default' \
'--color=[When to colour output\: auto (a terminal without NO_COLOR), always, never]:WHEN:(auto always never)' \
'--offline[Leave remote layers (\`type = "ssh"\`) out on purpose\: no warning, and evictions go to the local layers only]' \
'--no-index[Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(digest)
_arguments "${_arguments_options[@]}" : \
'--call=[Print the key of a call to the function NAME instead]:NAME:_default' \
'--module=[The call'\''s module (default\: None)]:MODULE:_default' \
'--version=[The call'\''s version\: an int when it looks like one, else a string ('\''"3"'\'' for the string 3)]:VERSION:_default' \
'--code-digest=[The function'\''s code digest, as stored in the cache (default\: None)]:DIGEST:_default' \
'--format=[Output format; the default prints one digest per line]:FORMAT:((table\:"Aligned columns for people"
json\:"One JSON array"
jsonl\:"One JSON object per line"
csv\:"Comma-separated, with a header line"
tsv\:"Tab-separated, with a header line"))' \
'-C+[Run as if started in DIR (affects where fleche.toml is looked for)]:DIR:_files' \
'--cache=[Use the cache of this name from the configuration]:NAME:_default' \
'--config=[Read this configuration file instead of searching for fleche.toml]:FILE:_files' \
'--root=[Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration]:DIR:_files' \
'--sql=[Read call records from this database URL (e.g. postgresql\://user@host/db) instead of the configured one]:URL:_default' \
'--color=[When to colour output\: auto (a terminal without NO_COLOR), always, never]:WHEN:(auto always never)' \
'--offline[Leave remote layers (\`type = "ssh"\`) out on purpose\: no warning, and evictions go to the local layers only]' \
'--no-index[Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'*::values -- Values to digest (with --call\: the call'\''s arguments as NAME=VALUE, in order):_default' \
&& ret=0
;;
(why)
_arguments "${_arguments_options[@]}" : \
'--module=[The module the function is defined in (\`__main__\` in a notebook or script)]:MODULE:_default' \
'--version=[The decorator'\''s version\: an int when it looks like one, else a string]:VERSION:_default' \
'--code-digest=[The function'\''s code digest (\`hash_code=True\`)]:DIGEST:_default' \
'-n+[How many of the nearest stored calls to show on a miss]:N:_default' \
'--limit=[How many of the nearest stored calls to show on a miss]:N:_default' \
'--format=[]:FORMAT:((text\:"Sentences for people"
json\:"One JSON object"))' \
'-C+[Run as if started in DIR (affects where fleche.toml is looked for)]:DIR:_files' \
'--cache=[Use the cache of this name from the configuration]:NAME:_default' \
'--config=[Read this configuration file instead of searching for fleche.toml]:FILE:_files' \
'--root=[Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration]:DIR:_files' \
'--sql=[Read call records from this database URL (e.g. postgresql\://user@host/db) instead of the configured one]:URL:_default' \
'--color=[When to colour output\: auto (a terminal without NO_COLOR), always, never]:WHEN:(auto always never)' \
'--offline[Leave remote layers (\`type = "ssh"\`) out on purpose\: no warning, and evictions go to the local layers only]' \
'--no-index[Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':name -- The function'\''s qualified name (`fib`, `MyClass.compute`):_default' \
'*::arguments -- The call'\''s arguments as NAME=VALUE, in the function'\''s parameter order:_default' \
&& ret=0
;;
(diff)
_arguments "${_arguments_options[@]}" : \
'--format=[]:FORMAT:((text\:"Lines for people (coloured on a terminal)"
json\:"One JSON object"))' \
'-C+[Run as if started in DIR (affects where fleche.toml is looked for)]:DIR:_files' \
'--cache=[Use the cache of this name from the configuration]:NAME:_default' \
'--config=[Read this configuration file instead of searching for fleche.toml]:FILE:_files' \
'--root=[Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration]:DIR:_files' \
'--sql=[Read call records from this database URL (e.g. postgresql\://user@host/db) instead of the configured one]:URL:_default' \
'--color=[When to colour output\: auto (a terminal without NO_COLOR), always, never]:WHEN:(auto always never)' \
'--all[Show every row of two calls, not only those that differ]' \
'--full[Show values in full instead of abbreviating long ones]' \
'--offline[Leave remote layers (\`type = "ssh"\`) out on purpose\: no warning, and evictions go to the local layers only]' \
'--no-index[Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'*::keys -- Two digests or prefixes; `-` reads them from stdin, one per line:_default' \
&& ret=0
;;
(rekey)
_arguments "${_arguments_options[@]}" : \
'--module=[The module was renamed\: OLD=NEW (\`__main__=analysis\` when a notebook'\''s code moved to a module)]:OLD=NEW:_default' \
'--name=[The function was renamed\: OLD=NEW (qualified names, e.g. \`fit=fit_model\`)]:OLD=NEW:_default' \
'--version=[File the calls under this version too (the function'\''s \`version=\` was bumped, its results still hold)\: an int when it reads as one, else a string]:V:_default' \
'*--arg=[Only calls with this argument (NAME=VALUE or NAME), as for \`query --arg\`]:NAME[=VALUE]:_default' \
'*--tag=[Only calls with this tag (KEY\[=VALUE\])]:KEY[=VALUE]:_default' \
'--format=[]:FORMAT:((table\:"Aligned columns for people"
json\:"One JSON array"
jsonl\:"One JSON object per line"
csv\:"Comma-separated, with a header line"
tsv\:"Tab-separated, with a header line"))' \
'-C+[Run as if started in DIR (affects where fleche.toml is looked for)]:DIR:_files' \
'--cache=[Use the cache of this name from the configuration]:NAME:_default' \
'--config=[Read this configuration file instead of searching for fleche.toml]:FILE:_files' \
'--root=[Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration]:DIR:_files' \
'--sql=[Read call records from this database URL (e.g. postgresql\://user@host/db) instead of the configured one]:URL:_default' \
'--color=[When to colour output\: auto (a terminal without NO_COLOR), always, never]:WHEN:(auto always never)' \
'--keep[Keep the old records too, so that both the old and the new code hit]' \
'--overwrite[Replace a record already stored under a new key]' \
'--dry-run[List old -> new keys without changing anything]' \
'--offline[Leave remote layers (\`type = "ssh"\`) out on purpose\: no warning, and evictions go to the local layers only]' \
'--no-index[Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'*::prefixes -- Only these calls, by (short) key; `-` reads them from stdin:_default' \
&& ret=0
;;
(copy)
_arguments "${_arguments_options[@]}" : \
'--name=[Calls named NAME (the function'\''s qualified name, e.g. \`fib\`, \`MyClass.compute\`)]:NAME:_default' \
'--module=[Calls from MODULE]:MODULE:_default' \
'--version=[Calls of this version\: an int when it looks like one, else a string ('\''"3"'\'' for the string 3)]:VERSION:_default' \
'--code-digest=[Calls whose function has this code digest]:DIGEST:_default' \
'*--arg=[NAME=VALUE\: an argument equal to VALUE (a Python literal, or @PREFIX of a stored value); NAME alone\: has that argument]:NAME[=VALUE]:_default' \
'--result=[Calls whose result equals VALUE (a Python literal or @PREFIX)]:VALUE:_default' \
'*--meta=[KIND\: has that metadata; KIND.KEY\: has that key; KIND.KEY=VALUE\: equal (1, 1.0 and True are equal; '\''1'\'' is not)]:KIND[.KEY[=VALUE]]:_default' \
'*--tag=[KEY\[=VALUE\]\: short for --meta tags.KEY\[=VALUE\]]:KEY[=VALUE]:_default' \
'--since=[Calls started at or after WHEN\: a date (2026-11-28, 2026-11-28T14\:00) or an age (30m, 2h, 3d, 1w)]:WHEN:_default' \
'--until=[Calls started at or before WHEN (same forms as --since)]:WHEN:_default' \
'(--to-root)--to=[Copy into this configured cache (writes go to a stack'\''s first member)]:NAME:_default' \
'--to-root=[Copy into the cache in DIR (values in DIR/values), made if DIR holds none]:DIR:_files' \
'--to-sql=[File the records in this database (sqlite\:///PATH or postgresql\://…) instead]:URL:_default' \
'--format=[]:FORMAT:((table\:"Aligned columns for people"
json\:"One JSON array"
jsonl\:"One JSON object per line"
csv\:"Comma-separated, with a header line"
tsv\:"Tab-separated, with a header line"))' \
'-C+[Run as if started in DIR (affects where fleche.toml is looked for)]:DIR:_files' \
'--cache=[Use the cache of this name from the configuration]:NAME:_default' \
'--config=[Read this configuration file instead of searching for fleche.toml]:FILE:_files' \
'--root=[Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration]:DIR:_files' \
'--sql=[Read call records from this database URL (e.g. postgresql\://user@host/db) instead of the configured one]:URL:_default' \
'--color=[When to colour output\: auto (a terminal without NO_COLOR), always, never]:WHEN:(auto always never)' \
'()--all[Select every call in the cache]' \
'--move[Evict the calls from the source once the target has them]' \
'--overwrite[Replace records the target already holds under the same keys]' \
'--dry-run[Say what would be copied, and how many bytes, without writing]' \
'--offline[Leave remote layers (\`type = "ssh"\`) out on purpose\: no warning, and evictions go to the local layers only]' \
'--no-index[Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'*::prefixes -- Calls by (short) key:_default' \
&& ret=0
;;
(completions)
_arguments "${_arguments_options[@]}" : \
'-C+[Run as if started in DIR (affects where fleche.toml is looked for)]:DIR:_files' \
'--cache=[Use the cache of this name from the configuration]:NAME:_default' \
'--config=[Read this configuration file instead of searching for fleche.toml]:FILE:_files' \
'--root=[Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration]:DIR:_files' \
'--sql=[Read call records from this database URL (e.g. postgresql\://user@host/db) instead of the configured one]:URL:_default' \
'--color=[When to colour output\: auto (a terminal without NO_COLOR), always, never]:WHEN:(auto always never)' \
'--offline[Leave remote layers (\`type = "ssh"\`) out on purpose\: no warning, and evictions go to the local layers only]' \
'--no-index[Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches]' \
'-h[Print help]' \
'--help[Print help]' \
':shell:(bash zsh fish elvish powershell)' \
&& ret=0
;;
(man)
_arguments "${_arguments_options[@]}" : \
'-C+[Run as if started in DIR (affects where fleche.toml is looked for)]:DIR:_files' \
'--cache=[Use the cache of this name from the configuration]:NAME:_default' \
'--config=[Read this configuration file instead of searching for fleche.toml]:FILE:_files' \
'--root=[Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration]:DIR:_files' \
'--sql=[Read call records from this database URL (e.g. postgresql\://user@host/db) instead of the configured one]:URL:_default' \
'--color=[When to colour output\: auto (a terminal without NO_COLOR), always, never]:WHEN:(auto always never)' \
'--offline[Leave remote layers (\`type = "ssh"\`) out on purpose\: no warning, and evictions go to the local layers only]' \
'--no-index[Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_fleche__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:fleche-help-command-$line[1]:"
        case $line[1] in
            (ls)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(query)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(expand)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(shrink)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(export)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(tag)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(untag)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(evict)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(gc)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(verify)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(stats)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(caches)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(digest)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(why)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(diff)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(rekey)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(copy)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(completions)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(man)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
}

(( $+functions[_fleche_commands] )) ||
_fleche_commands() {
    local commands; commands=(
'ls:List the calls in the cache, newest first' \
'query:Find calls by name, module, version, arguments, result, metadata and time' \
'show:Show calls and values by (short) digest\: arguments, result, metadata, decoded values' \
'expand:Expand short digests to full ones (calls and values); \`-\` reads one per line from stdin' \
'shrink:Shorten full digests to the shortest unique prefix; \`-\` reads one per line from stdin' \
'export:Write a cached value to a file\: a numpy array as .npy (as np.save writes it), a pandas DataFrame or Series as CSV (as to_csv writes it), any value as JSON' \
'tag:Set or remove tags on calls (selected by key prefix or by query filters)' \
'untag:Remove tags from calls (selected by key prefix or by query filters)' \
'evict:Remove call records (values stay until \`fleche gc\`)' \
'gc:Delete value files that no call record needs (safe beside running fleche jobs)' \
'verify:Check a cache\: call keys, value digests, missing or unreadable values, orphans, stray files' \
'stats:Summarise a cache\: calls per function, values, bytes, time span, walltime, orphans' \
'caches:List the caches the configuration defines (name, file, storages, counts)' \
'digest:Print fleche'\''s digest of each VALUE, or the key of a call with --call' \
'why:Explain a cache miss\: is this call stored, and if not, what differs in the nearest stored calls' \
'diff:Show what differs between two calls or two values (exit 1 when they differ)' \
'rekey:File calls under the keys fleche computes after a module or function rename' \
'copy:Copy calls and the values they need into another cache' \
'completions:Print a shell completion script' \
'man:Print the manual page (roff), e.g. \`fleche man | man -l -\`' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'fleche commands' commands "$@"
}
(( $+functions[_fleche__subcmd__caches_commands] )) ||
_fleche__subcmd__caches_commands() {
    local commands; commands=()
    _describe -t commands 'fleche caches commands' commands "$@"
}
(( $+functions[_fleche__subcmd__completions_commands] )) ||
_fleche__subcmd__completions_commands() {
    local commands; commands=()
    _describe -t commands 'fleche completions commands' commands "$@"
}
(( $+functions[_fleche__subcmd__copy_commands] )) ||
_fleche__subcmd__copy_commands() {
    local commands; commands=()
    _describe -t commands 'fleche copy commands' commands "$@"
}
(( $+functions[_fleche__subcmd__diff_commands] )) ||
_fleche__subcmd__diff_commands() {
    local commands; commands=()
    _describe -t commands 'fleche diff commands' commands "$@"
}
(( $+functions[_fleche__subcmd__digest_commands] )) ||
_fleche__subcmd__digest_commands() {
    local commands; commands=()
    _describe -t commands 'fleche digest commands' commands "$@"
}
(( $+functions[_fleche__subcmd__evict_commands] )) ||
_fleche__subcmd__evict_commands() {
    local commands; commands=()
    _describe -t commands 'fleche evict commands' commands "$@"
}
(( $+functions[_fleche__subcmd__expand_commands] )) ||
_fleche__subcmd__expand_commands() {
    local commands; commands=()
    _describe -t commands 'fleche expand commands' commands "$@"
}
(( $+functions[_fleche__subcmd__export_commands] )) ||
_fleche__subcmd__export_commands() {
    local commands; commands=()
    _describe -t commands 'fleche export commands' commands "$@"
}
(( $+functions[_fleche__subcmd__gc_commands] )) ||
_fleche__subcmd__gc_commands() {
    local commands; commands=()
    _describe -t commands 'fleche gc commands' commands "$@"
}
(( $+functions[_fleche__subcmd__help_commands] )) ||
_fleche__subcmd__help_commands() {
    local commands; commands=(
'ls:List the calls in the cache, newest first' \
'query:Find calls by name, module, version, arguments, result, metadata and time' \
'show:Show calls and values by (short) digest\: arguments, result, metadata, decoded values' \
'expand:Expand short digests to full ones (calls and values); \`-\` reads one per line from stdin' \
'shrink:Shorten full digests to the shortest unique prefix; \`-\` reads one per line from stdin' \
'export:Write a cached value to a file\: a numpy array as .npy (as np.save writes it), a pandas DataFrame or Series as CSV (as to_csv writes it), any value as JSON' \
'tag:Set or remove tags on calls (selected by key prefix or by query filters)' \
'untag:Remove tags from calls (selected by key prefix or by query filters)' \
'evict:Remove call records (values stay until \`fleche gc\`)' \
'gc:Delete value files that no call record needs (safe beside running fleche jobs)' \
'verify:Check a cache\: call keys, value digests, missing or unreadable values, orphans, stray files' \
'stats:Summarise a cache\: calls per function, values, bytes, time span, walltime, orphans' \
'caches:List the caches the configuration defines (name, file, storages, counts)' \
'digest:Print fleche'\''s digest of each VALUE, or the key of a call with --call' \
'why:Explain a cache miss\: is this call stored, and if not, what differs in the nearest stored calls' \
'diff:Show what differs between two calls or two values (exit 1 when they differ)' \
'rekey:File calls under the keys fleche computes after a module or function rename' \
'copy:Copy calls and the values they need into another cache' \
'completions:Print a shell completion script' \
'man:Print the manual page (roff), e.g. \`fleche man | man -l -\`' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'fleche help commands' commands "$@"
}
(( $+functions[_fleche__subcmd__help__subcmd__caches_commands] )) ||
_fleche__subcmd__help__subcmd__caches_commands() {
    local commands; commands=()
    _describe -t commands 'fleche help caches commands' commands "$@"
}
(( $+functions[_fleche__subcmd__help__subcmd__completions_commands] )) ||
_fleche__subcmd__help__subcmd__completions_commands() {
    local commands; commands=()
    _describe -t commands 'fleche help completions commands' commands "$@"
}
(( $+functions[_fleche__subcmd__help__subcmd__copy_commands] )) ||
_fleche__subcmd__help__subcmd__copy_commands() {
    local commands; commands=()
    _describe -t commands 'fleche help copy commands' commands "$@"
}
(( $+functions[_fleche__subcmd__help__subcmd__diff_commands] )) ||
_fleche__subcmd__help__subcmd__diff_commands() {
    local commands; commands=()
    _describe -t commands 'fleche help diff commands' commands "$@"
}
(( $+functions[_fleche__subcmd__help__subcmd__digest_commands] )) ||
_fleche__subcmd__help__subcmd__digest_commands() {
    local commands; commands=()
    _describe -t commands 'fleche help digest commands' commands "$@"
}
(( $+functions[_fleche__subcmd__help__subcmd__evict_commands] )) ||
_fleche__subcmd__help__subcmd__evict_commands() {
    local commands; commands=()
    _describe -t commands 'fleche help evict commands' commands "$@"
}
(( $+functions[_fleche__subcmd__help__subcmd__expand_commands] )) ||
_fleche__subcmd__help__subcmd__expand_commands() {
    local commands; commands=()
    _describe -t commands 'fleche help expand commands' commands "$@"
}
(( $+functions[_fleche__subcmd__help__subcmd__export_commands] )) ||
_fleche__subcmd__help__subcmd__export_commands() {
    local commands; commands=()
    _describe -t commands 'fleche help export commands' commands "$@"
}
(( $+functions[_fleche__subcmd__help__subcmd__gc_commands] )) ||
_fleche__subcmd__help__subcmd__gc_commands() {
    local commands; commands=()
    _describe -t commands 'fleche help gc commands' commands "$@"
}
(( $+functions[_fleche__subcmd__help__subcmd__help_commands] )) ||
_fleche__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'fleche help help commands' commands "$@"
}
(( $+functions[_fleche__subcmd__help__subcmd__ls_commands] )) ||
_fleche__subcmd__help__subcmd__ls_commands() {
    local commands; commands=()
    _describe -t commands 'fleche help ls commands' commands "$@"
}
(( $+functions[_fleche__subcmd__help__subcmd__man_commands] )) ||
_fleche__subcmd__help__subcmd__man_commands() {
    local commands; commands=()
    _describe -t commands 'fleche help man commands' commands "$@"
}
(( $+functions[_fleche__subcmd__help__subcmd__query_commands] )) ||
_fleche__subcmd__help__subcmd__query_commands() {
    local commands; commands=()
    _describe -t commands 'fleche help query commands' commands "$@"
}
(( $+functions[_fleche__subcmd__help__subcmd__rekey_commands] )) ||
_fleche__subcmd__help__subcmd__rekey_commands() {
    local commands; commands=()
    _describe -t commands 'fleche help rekey commands' commands "$@"
}
(( $+functions[_fleche__subcmd__help__subcmd__show_commands] )) ||
_fleche__subcmd__help__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'fleche help show commands' commands "$@"
}
(( $+functions[_fleche__subcmd__help__subcmd__shrink_commands] )) ||
_fleche__subcmd__help__subcmd__shrink_commands() {
    local commands; commands=()
    _describe -t commands 'fleche help shrink commands' commands "$@"
}
(( $+functions[_fleche__subcmd__help__subcmd__stats_commands] )) ||
_fleche__subcmd__help__subcmd__stats_commands() {
    local commands; commands=()
    _describe -t commands 'fleche help stats commands' commands "$@"
}
(( $+functions[_fleche__subcmd__help__subcmd__tag_commands] )) ||
_fleche__subcmd__help__subcmd__tag_commands() {
    local commands; commands=()
    _describe -t commands 'fleche help tag commands' commands "$@"
}
(( $+functions[_fleche__subcmd__help__subcmd__untag_commands] )) ||
_fleche__subcmd__help__subcmd__untag_commands() {
    local commands; commands=()
    _describe -t commands 'fleche help untag commands' commands "$@"
}
(( $+functions[_fleche__subcmd__help__subcmd__verify_commands] )) ||
_fleche__subcmd__help__subcmd__verify_commands() {
    local commands; commands=()
    _describe -t commands 'fleche help verify commands' commands "$@"
}
(( $+functions[_fleche__subcmd__help__subcmd__why_commands] )) ||
_fleche__subcmd__help__subcmd__why_commands() {
    local commands; commands=()
    _describe -t commands 'fleche help why commands' commands "$@"
}
(( $+functions[_fleche__subcmd__ls_commands] )) ||
_fleche__subcmd__ls_commands() {
    local commands; commands=()
    _describe -t commands 'fleche ls commands' commands "$@"
}
(( $+functions[_fleche__subcmd__man_commands] )) ||
_fleche__subcmd__man_commands() {
    local commands; commands=()
    _describe -t commands 'fleche man commands' commands "$@"
}
(( $+functions[_fleche__subcmd__query_commands] )) ||
_fleche__subcmd__query_commands() {
    local commands; commands=()
    _describe -t commands 'fleche query commands' commands "$@"
}
(( $+functions[_fleche__subcmd__rekey_commands] )) ||
_fleche__subcmd__rekey_commands() {
    local commands; commands=()
    _describe -t commands 'fleche rekey commands' commands "$@"
}
(( $+functions[_fleche__subcmd__show_commands] )) ||
_fleche__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'fleche show commands' commands "$@"
}
(( $+functions[_fleche__subcmd__shrink_commands] )) ||
_fleche__subcmd__shrink_commands() {
    local commands; commands=()
    _describe -t commands 'fleche shrink commands' commands "$@"
}
(( $+functions[_fleche__subcmd__stats_commands] )) ||
_fleche__subcmd__stats_commands() {
    local commands; commands=()
    _describe -t commands 'fleche stats commands' commands "$@"
}
(( $+functions[_fleche__subcmd__tag_commands] )) ||
_fleche__subcmd__tag_commands() {
    local commands; commands=()
    _describe -t commands 'fleche tag commands' commands "$@"
}
(( $+functions[_fleche__subcmd__untag_commands] )) ||
_fleche__subcmd__untag_commands() {
    local commands; commands=()
    _describe -t commands 'fleche untag commands' commands "$@"
}
(( $+functions[_fleche__subcmd__verify_commands] )) ||
_fleche__subcmd__verify_commands() {
    local commands; commands=()
    _describe -t commands 'fleche verify commands' commands "$@"
}
(( $+functions[_fleche__subcmd__why_commands] )) ||
_fleche__subcmd__why_commands() {
    local commands; commands=()
    _describe -t commands 'fleche why commands' commands "$@"
}

if [ "$funcstack[1]" = "_fleche" ]; then
    _fleche "$@"
else
    compdef _fleche fleche
fi
