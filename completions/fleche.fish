# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_fleche_global_optspecs
    string join \n C= cache= config= root= sql= offline no-index color= h/help V/version
end

function __fish_fleche_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_fleche_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_fleche_using_subcommand
    set -l cmd (__fish_fleche_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c fleche -n "__fish_fleche_needs_command" -s C -d 'Run as if started in DIR (affects where fleche.toml is looked for)' -r -F
complete -c fleche -n "__fish_fleche_needs_command" -l cache -d 'Use the cache of this name from the configuration' -r
complete -c fleche -n "__fish_fleche_needs_command" -l config -d 'Read this configuration file instead of searching for fleche.toml' -r -F
complete -c fleche -n "__fish_fleche_needs_command" -l root -d 'Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration' -r -F
complete -c fleche -n "__fish_fleche_needs_command" -l sql -d 'Read call records from this database URL (e.g. postgresql://user@host/db) instead of the configured one' -r
complete -c fleche -n "__fish_fleche_needs_command" -l color -d 'When to colour output: auto (a terminal without NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fleche -n "__fish_fleche_needs_command" -l offline -d 'Leave remote layers (`type = "ssh"`) out on purpose: no warning, and evictions go to the local layers only'
complete -c fleche -n "__fish_fleche_needs_command" -l no-index -d 'Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches'
complete -c fleche -n "__fish_fleche_needs_command" -s h -l help -d 'Print help'
complete -c fleche -n "__fish_fleche_needs_command" -s V -l version -d 'Print version'
complete -c fleche -n "__fish_fleche_needs_command" -f -a "ls" -d 'List the calls in the cache, newest first'
complete -c fleche -n "__fish_fleche_needs_command" -f -a "query" -d 'Find calls by name, module, version, arguments, result, metadata and time'
complete -c fleche -n "__fish_fleche_needs_command" -f -a "show" -d 'Show calls and values by (short) digest: arguments, result, metadata, decoded values'
complete -c fleche -n "__fish_fleche_needs_command" -f -a "expand" -d 'Expand short digests to full ones (calls and values); `-` reads one per line from stdin'
complete -c fleche -n "__fish_fleche_needs_command" -f -a "shrink" -d 'Shorten full digests to the shortest unique prefix; `-` reads one per line from stdin'
complete -c fleche -n "__fish_fleche_needs_command" -f -a "export" -d 'Write a cached value to a file: a numpy array as .npy (as np.save writes it), a pandas DataFrame or Series as CSV (as to_csv writes it), any value as JSON'
complete -c fleche -n "__fish_fleche_needs_command" -f -a "tag" -d 'Set or remove tags on calls (selected by key prefix or by query filters)'
complete -c fleche -n "__fish_fleche_needs_command" -f -a "untag" -d 'Remove tags from calls (selected by key prefix or by query filters)'
complete -c fleche -n "__fish_fleche_needs_command" -f -a "evict" -d 'Remove call records (values stay until `fleche gc`)'
complete -c fleche -n "__fish_fleche_needs_command" -f -a "gc" -d 'Delete value files that no call record needs (safe beside running fleche jobs)'
complete -c fleche -n "__fish_fleche_needs_command" -f -a "verify" -d 'Check a cache: call keys, value digests, missing or unreadable values, orphans, stray files'
complete -c fleche -n "__fish_fleche_needs_command" -f -a "stats" -d 'Summarise a cache: calls per function, values, bytes, time span, walltime, orphans'
complete -c fleche -n "__fish_fleche_needs_command" -f -a "caches" -d 'List the caches the configuration defines (name, file, storages, counts)'
complete -c fleche -n "__fish_fleche_needs_command" -f -a "digest" -d 'Print fleche\'s digest of each VALUE, or the key of a call with --call'
complete -c fleche -n "__fish_fleche_needs_command" -f -a "why" -d 'Explain a cache miss: is this call stored, and if not, what differs in the nearest stored calls'
complete -c fleche -n "__fish_fleche_needs_command" -f -a "diff" -d 'Show what differs between two calls or two values (exit 1 when they differ)'
complete -c fleche -n "__fish_fleche_needs_command" -f -a "rekey" -d 'File calls under the keys fleche computes after a module or function rename'
complete -c fleche -n "__fish_fleche_needs_command" -f -a "copy" -d 'Copy calls and the values they need into another cache'
complete -c fleche -n "__fish_fleche_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c fleche -n "__fish_fleche_needs_command" -f -a "man" -d 'Print the manual page (roff), e.g. `fleche man | man -l -`'
complete -c fleche -n "__fish_fleche_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fleche -n "__fish_fleche_using_subcommand ls" -s n -l limit -d 'Show at most N calls' -r
complete -c fleche -n "__fish_fleche_using_subcommand ls" -l sort -d 'Order of the rows' -r -f -a "started\t'Start time, newest first'
stopped\t'Stop time, newest first'
name\t'Function name, A to Z'
walltime\t'Wall time, longest first'
key\t'Call key'"
complete -c fleche -n "__fish_fleche_using_subcommand ls" -l format -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON array'
jsonl\t'One JSON object per line'
csv\t'Comma-separated, with a header line'
tsv\t'Tab-separated, with a header line'"
complete -c fleche -n "__fish_fleche_using_subcommand ls" -s C -d 'Run as if started in DIR (affects where fleche.toml is looked for)' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand ls" -l cache -d 'Use the cache of this name from the configuration' -r
complete -c fleche -n "__fish_fleche_using_subcommand ls" -l config -d 'Read this configuration file instead of searching for fleche.toml' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand ls" -l root -d 'Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand ls" -l sql -d 'Read call records from this database URL (e.g. postgresql://user@host/db) instead of the configured one' -r
complete -c fleche -n "__fish_fleche_using_subcommand ls" -l color -d 'When to colour output: auto (a terminal without NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fleche -n "__fish_fleche_using_subcommand ls" -s r -l reverse -d 'Reverse the order'
complete -c fleche -n "__fish_fleche_using_subcommand ls" -l offline -d 'Leave remote layers (`type = "ssh"`) out on purpose: no warning, and evictions go to the local layers only'
complete -c fleche -n "__fish_fleche_using_subcommand ls" -l no-index -d 'Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches'
complete -c fleche -n "__fish_fleche_using_subcommand ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fleche -n "__fish_fleche_using_subcommand query" -l name -d 'Calls named NAME (the function\'s qualified name, e.g. `fib`, `MyClass.compute`)' -r
complete -c fleche -n "__fish_fleche_using_subcommand query" -l module -d 'Calls from MODULE' -r
complete -c fleche -n "__fish_fleche_using_subcommand query" -l version -d 'Calls of this version: an int when it looks like one, else a string (\'"3"\' for the string 3)' -r
complete -c fleche -n "__fish_fleche_using_subcommand query" -l code-digest -d 'Calls whose function has this code digest' -r
complete -c fleche -n "__fish_fleche_using_subcommand query" -l arg -d 'NAME=VALUE: an argument equal to VALUE (a Python literal, or @PREFIX of a stored value); NAME alone: has that argument' -r
complete -c fleche -n "__fish_fleche_using_subcommand query" -l result -d 'Calls whose result equals VALUE (a Python literal or @PREFIX)' -r
complete -c fleche -n "__fish_fleche_using_subcommand query" -l meta -d 'KIND: has that metadata; KIND.KEY: has that key; KIND.KEY=VALUE: equal (1, 1.0 and True are equal; \'1\' is not)' -r
complete -c fleche -n "__fish_fleche_using_subcommand query" -l tag -d 'KEY[=VALUE]: short for --meta tags.KEY[=VALUE]' -r
complete -c fleche -n "__fish_fleche_using_subcommand query" -l since -d 'Calls started at or after WHEN: a date (2026-11-28, 2026-11-28T14:00) or an age (30m, 2h, 3d, 1w)' -r
complete -c fleche -n "__fish_fleche_using_subcommand query" -l until -d 'Calls started at or before WHEN (same forms as --since)' -r
complete -c fleche -n "__fish_fleche_using_subcommand query" -s n -l limit -d 'Show at most N calls' -r
complete -c fleche -n "__fish_fleche_using_subcommand query" -l sort -d 'Order of the rows' -r -f -a "started\t'Start time, newest first'
stopped\t'Stop time, newest first'
name\t'Function name, A to Z'
walltime\t'Wall time, longest first'
key\t'Call key'"
complete -c fleche -n "__fish_fleche_using_subcommand query" -l format -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON array'
jsonl\t'One JSON object per line'
csv\t'Comma-separated, with a header line'
tsv\t'Tab-separated, with a header line'"
complete -c fleche -n "__fish_fleche_using_subcommand query" -l args -d 'Add decoded arguments as columns: a comma-separated list of names, or `all`' -r
complete -c fleche -n "__fish_fleche_using_subcommand query" -s C -d 'Run as if started in DIR (affects where fleche.toml is looked for)' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand query" -l cache -d 'Use the cache of this name from the configuration' -r
complete -c fleche -n "__fish_fleche_using_subcommand query" -l config -d 'Read this configuration file instead of searching for fleche.toml' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand query" -l root -d 'Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand query" -l sql -d 'Read call records from this database URL (e.g. postgresql://user@host/db) instead of the configured one' -r
complete -c fleche -n "__fish_fleche_using_subcommand query" -l color -d 'When to colour output: auto (a terminal without NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fleche -n "__fish_fleche_using_subcommand query" -s r -l reverse -d 'Reverse the order'
complete -c fleche -n "__fish_fleche_using_subcommand query" -l count -d 'Print only the number of matching calls'
complete -c fleche -n "__fish_fleche_using_subcommand query" -l latest -d 'Only the matching call that stopped last (fleche\'s `latest()`)'
complete -c fleche -n "__fish_fleche_using_subcommand query" -l oldest -d 'Only the matching call that stopped first (fleche\'s `oldest()`)'
complete -c fleche -n "__fish_fleche_using_subcommand query" -l results -d 'Add the decoded result as a column'
complete -c fleche -n "__fish_fleche_using_subcommand query" -l full -d 'Do not abbreviate decoded values'
complete -c fleche -n "__fish_fleche_using_subcommand query" -l offline -d 'Leave remote layers (`type = "ssh"`) out on purpose: no warning, and evictions go to the local layers only'
complete -c fleche -n "__fish_fleche_using_subcommand query" -l no-index -d 'Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches'
complete -c fleche -n "__fish_fleche_using_subcommand query" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fleche -n "__fish_fleche_using_subcommand show" -l format -r -f -a "text\t'Labelled lines for people'
json\t'One JSON array of objects'
jsonl\t'One JSON object per line'"
complete -c fleche -n "__fish_fleche_using_subcommand show" -s C -d 'Run as if started in DIR (affects where fleche.toml is looked for)' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand show" -l cache -d 'Use the cache of this name from the configuration' -r
complete -c fleche -n "__fish_fleche_using_subcommand show" -l config -d 'Read this configuration file instead of searching for fleche.toml' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand show" -l root -d 'Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand show" -l sql -d 'Read call records from this database URL (e.g. postgresql://user@host/db) instead of the configured one' -r
complete -c fleche -n "__fish_fleche_using_subcommand show" -l color -d 'When to colour output: auto (a terminal without NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fleche -n "__fish_fleche_using_subcommand show" -l full -d 'Show values in full instead of abbreviating long ones'
complete -c fleche -n "__fish_fleche_using_subcommand show" -l offline -d 'Leave remote layers (`type = "ssh"`) out on purpose: no warning, and evictions go to the local layers only'
complete -c fleche -n "__fish_fleche_using_subcommand show" -l no-index -d 'Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches'
complete -c fleche -n "__fish_fleche_using_subcommand show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fleche -n "__fish_fleche_using_subcommand expand" -l format -d 'Output format; the default prints one full digest per line' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON array'
jsonl\t'One JSON object per line'
csv\t'Comma-separated, with a header line'
tsv\t'Tab-separated, with a header line'"
complete -c fleche -n "__fish_fleche_using_subcommand expand" -s C -d 'Run as if started in DIR (affects where fleche.toml is looked for)' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand expand" -l cache -d 'Use the cache of this name from the configuration' -r
complete -c fleche -n "__fish_fleche_using_subcommand expand" -l config -d 'Read this configuration file instead of searching for fleche.toml' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand expand" -l root -d 'Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand expand" -l sql -d 'Read call records from this database URL (e.g. postgresql://user@host/db) instead of the configured one' -r
complete -c fleche -n "__fish_fleche_using_subcommand expand" -l color -d 'When to colour output: auto (a terminal without NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fleche -n "__fish_fleche_using_subcommand expand" -l offline -d 'Leave remote layers (`type = "ssh"`) out on purpose: no warning, and evictions go to the local layers only'
complete -c fleche -n "__fish_fleche_using_subcommand expand" -l no-index -d 'Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches'
complete -c fleche -n "__fish_fleche_using_subcommand expand" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fleche -n "__fish_fleche_using_subcommand shrink" -s C -d 'Run as if started in DIR (affects where fleche.toml is looked for)' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand shrink" -l cache -d 'Use the cache of this name from the configuration' -r
complete -c fleche -n "__fish_fleche_using_subcommand shrink" -l config -d 'Read this configuration file instead of searching for fleche.toml' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand shrink" -l root -d 'Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand shrink" -l sql -d 'Read call records from this database URL (e.g. postgresql://user@host/db) instead of the configured one' -r
complete -c fleche -n "__fish_fleche_using_subcommand shrink" -l color -d 'When to colour output: auto (a terminal without NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fleche -n "__fish_fleche_using_subcommand shrink" -l offline -d 'Leave remote layers (`type = "ssh"`) out on purpose: no warning, and evictions go to the local layers only'
complete -c fleche -n "__fish_fleche_using_subcommand shrink" -l no-index -d 'Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches'
complete -c fleche -n "__fish_fleche_using_subcommand shrink" -s h -l help -d 'Print help'
complete -c fleche -n "__fish_fleche_using_subcommand export" -s o -l output -d 'The file to write (replaced whole), or `-` for standard output' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand export" -l as -d 'The format; by default the output file\'s extension (.npy, .json, .csv)' -r -f -a "npy\t'A numpy array, byte for byte as `np.save` writes it'
json\t'Any value, as `show --format json` gives it'
csv\t'A pandas DataFrame or Series, as `to_csv()` writes it'"
complete -c fleche -n "__fish_fleche_using_subcommand export" -s C -d 'Run as if started in DIR (affects where fleche.toml is looked for)' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand export" -l cache -d 'Use the cache of this name from the configuration' -r
complete -c fleche -n "__fish_fleche_using_subcommand export" -l config -d 'Read this configuration file instead of searching for fleche.toml' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand export" -l root -d 'Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand export" -l sql -d 'Read call records from this database URL (e.g. postgresql://user@host/db) instead of the configured one' -r
complete -c fleche -n "__fish_fleche_using_subcommand export" -l color -d 'When to colour output: auto (a terminal without NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fleche -n "__fish_fleche_using_subcommand export" -l offline -d 'Leave remote layers (`type = "ssh"`) out on purpose: no warning, and evictions go to the local layers only'
complete -c fleche -n "__fish_fleche_using_subcommand export" -l no-index -d 'Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches'
complete -c fleche -n "__fish_fleche_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fleche -n "__fish_fleche_using_subcommand tag" -l name -d 'Calls named NAME (the function\'s qualified name, e.g. `fib`, `MyClass.compute`)' -r
complete -c fleche -n "__fish_fleche_using_subcommand tag" -l module -d 'Calls from MODULE' -r
complete -c fleche -n "__fish_fleche_using_subcommand tag" -l version -d 'Calls of this version: an int when it looks like one, else a string (\'"3"\' for the string 3)' -r
complete -c fleche -n "__fish_fleche_using_subcommand tag" -l code-digest -d 'Calls whose function has this code digest' -r
complete -c fleche -n "__fish_fleche_using_subcommand tag" -l arg -d 'NAME=VALUE: an argument equal to VALUE (a Python literal, or @PREFIX of a stored value); NAME alone: has that argument' -r
complete -c fleche -n "__fish_fleche_using_subcommand tag" -l result -d 'Calls whose result equals VALUE (a Python literal or @PREFIX)' -r
complete -c fleche -n "__fish_fleche_using_subcommand tag" -l meta -d 'KIND: has that metadata; KIND.KEY: has that key; KIND.KEY=VALUE: equal (1, 1.0 and True are equal; \'1\' is not)' -r
complete -c fleche -n "__fish_fleche_using_subcommand tag" -l tag -d 'KEY[=VALUE]: short for --meta tags.KEY[=VALUE]' -r
complete -c fleche -n "__fish_fleche_using_subcommand tag" -l since -d 'Calls started at or after WHEN: a date (2026-11-28, 2026-11-28T14:00) or an age (30m, 2h, 3d, 1w)' -r
complete -c fleche -n "__fish_fleche_using_subcommand tag" -l until -d 'Calls started at or before WHEN (same forms as --since)' -r
complete -c fleche -n "__fish_fleche_using_subcommand tag" -l set -d 'KEY=VALUE to set (VALUE is a Python literal; a bare word is a string)' -r
complete -c fleche -n "__fish_fleche_using_subcommand tag" -l unset -d 'KEY to remove' -r
complete -c fleche -n "__fish_fleche_using_subcommand tag" -l format -r -f -a "table\t'Aligned columns for people'
json\t'One JSON array'
jsonl\t'One JSON object per line'
csv\t'Comma-separated, with a header line'
tsv\t'Tab-separated, with a header line'"
complete -c fleche -n "__fish_fleche_using_subcommand tag" -s C -d 'Run as if started in DIR (affects where fleche.toml is looked for)' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand tag" -l cache -d 'Use the cache of this name from the configuration' -r
complete -c fleche -n "__fish_fleche_using_subcommand tag" -l config -d 'Read this configuration file instead of searching for fleche.toml' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand tag" -l root -d 'Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand tag" -l sql -d 'Read call records from this database URL (e.g. postgresql://user@host/db) instead of the configured one' -r
complete -c fleche -n "__fish_fleche_using_subcommand tag" -l color -d 'When to colour output: auto (a terminal without NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fleche -n "__fish_fleche_using_subcommand tag" -l all -d 'Select every call in the cache'
complete -c fleche -n "__fish_fleche_using_subcommand tag" -l dry-run -d 'Show what would change without writing anything'
complete -c fleche -n "__fish_fleche_using_subcommand tag" -l offline -d 'Leave remote layers (`type = "ssh"`) out on purpose: no warning, and evictions go to the local layers only'
complete -c fleche -n "__fish_fleche_using_subcommand tag" -l no-index -d 'Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches'
complete -c fleche -n "__fish_fleche_using_subcommand tag" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fleche -n "__fish_fleche_using_subcommand untag" -l name -d 'Calls named NAME (the function\'s qualified name, e.g. `fib`, `MyClass.compute`)' -r
complete -c fleche -n "__fish_fleche_using_subcommand untag" -l module -d 'Calls from MODULE' -r
complete -c fleche -n "__fish_fleche_using_subcommand untag" -l version -d 'Calls of this version: an int when it looks like one, else a string (\'"3"\' for the string 3)' -r
complete -c fleche -n "__fish_fleche_using_subcommand untag" -l code-digest -d 'Calls whose function has this code digest' -r
complete -c fleche -n "__fish_fleche_using_subcommand untag" -l arg -d 'NAME=VALUE: an argument equal to VALUE (a Python literal, or @PREFIX of a stored value); NAME alone: has that argument' -r
complete -c fleche -n "__fish_fleche_using_subcommand untag" -l result -d 'Calls whose result equals VALUE (a Python literal or @PREFIX)' -r
complete -c fleche -n "__fish_fleche_using_subcommand untag" -l meta -d 'KIND: has that metadata; KIND.KEY: has that key; KIND.KEY=VALUE: equal (1, 1.0 and True are equal; \'1\' is not)' -r
complete -c fleche -n "__fish_fleche_using_subcommand untag" -l tag -d 'KEY[=VALUE]: short for --meta tags.KEY[=VALUE]' -r
complete -c fleche -n "__fish_fleche_using_subcommand untag" -l since -d 'Calls started at or after WHEN: a date (2026-11-28, 2026-11-28T14:00) or an age (30m, 2h, 3d, 1w)' -r
complete -c fleche -n "__fish_fleche_using_subcommand untag" -l until -d 'Calls started at or before WHEN (same forms as --since)' -r
complete -c fleche -n "__fish_fleche_using_subcommand untag" -s k -l key -d 'Tag keys to remove' -r
complete -c fleche -n "__fish_fleche_using_subcommand untag" -l format -r -f -a "table\t'Aligned columns for people'
json\t'One JSON array'
jsonl\t'One JSON object per line'
csv\t'Comma-separated, with a header line'
tsv\t'Tab-separated, with a header line'"
complete -c fleche -n "__fish_fleche_using_subcommand untag" -s C -d 'Run as if started in DIR (affects where fleche.toml is looked for)' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand untag" -l cache -d 'Use the cache of this name from the configuration' -r
complete -c fleche -n "__fish_fleche_using_subcommand untag" -l config -d 'Read this configuration file instead of searching for fleche.toml' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand untag" -l root -d 'Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand untag" -l sql -d 'Read call records from this database URL (e.g. postgresql://user@host/db) instead of the configured one' -r
complete -c fleche -n "__fish_fleche_using_subcommand untag" -l color -d 'When to colour output: auto (a terminal without NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fleche -n "__fish_fleche_using_subcommand untag" -l all -d 'Select every call in the cache'
complete -c fleche -n "__fish_fleche_using_subcommand untag" -l dry-run -d 'Show what would change without writing anything'
complete -c fleche -n "__fish_fleche_using_subcommand untag" -l offline -d 'Leave remote layers (`type = "ssh"`) out on purpose: no warning, and evictions go to the local layers only'
complete -c fleche -n "__fish_fleche_using_subcommand untag" -l no-index -d 'Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches'
complete -c fleche -n "__fish_fleche_using_subcommand untag" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fleche -n "__fish_fleche_using_subcommand evict" -l name -d 'Calls named NAME (the function\'s qualified name, e.g. `fib`, `MyClass.compute`)' -r
complete -c fleche -n "__fish_fleche_using_subcommand evict" -l module -d 'Calls from MODULE' -r
complete -c fleche -n "__fish_fleche_using_subcommand evict" -l version -d 'Calls of this version: an int when it looks like one, else a string (\'"3"\' for the string 3)' -r
complete -c fleche -n "__fish_fleche_using_subcommand evict" -l code-digest -d 'Calls whose function has this code digest' -r
complete -c fleche -n "__fish_fleche_using_subcommand evict" -l arg -d 'NAME=VALUE: an argument equal to VALUE (a Python literal, or @PREFIX of a stored value); NAME alone: has that argument' -r
complete -c fleche -n "__fish_fleche_using_subcommand evict" -l result -d 'Calls whose result equals VALUE (a Python literal or @PREFIX)' -r
complete -c fleche -n "__fish_fleche_using_subcommand evict" -l meta -d 'KIND: has that metadata; KIND.KEY: has that key; KIND.KEY=VALUE: equal (1, 1.0 and True are equal; \'1\' is not)' -r
complete -c fleche -n "__fish_fleche_using_subcommand evict" -l tag -d 'KEY[=VALUE]: short for --meta tags.KEY[=VALUE]' -r
complete -c fleche -n "__fish_fleche_using_subcommand evict" -l since -d 'Calls started at or after WHEN: a date (2026-11-28, 2026-11-28T14:00) or an age (30m, 2h, 3d, 1w)' -r
complete -c fleche -n "__fish_fleche_using_subcommand evict" -l until -d 'Calls started at or before WHEN (same forms as --since)' -r
complete -c fleche -n "__fish_fleche_using_subcommand evict" -l format -r -f -a "table\t'Aligned columns for people'
json\t'One JSON array'
jsonl\t'One JSON object per line'
csv\t'Comma-separated, with a header line'
tsv\t'Tab-separated, with a header line'"
complete -c fleche -n "__fish_fleche_using_subcommand evict" -s C -d 'Run as if started in DIR (affects where fleche.toml is looked for)' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand evict" -l cache -d 'Use the cache of this name from the configuration' -r
complete -c fleche -n "__fish_fleche_using_subcommand evict" -l config -d 'Read this configuration file instead of searching for fleche.toml' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand evict" -l root -d 'Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand evict" -l sql -d 'Read call records from this database URL (e.g. postgresql://user@host/db) instead of the configured one' -r
complete -c fleche -n "__fish_fleche_using_subcommand evict" -l color -d 'When to colour output: auto (a terminal without NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fleche -n "__fish_fleche_using_subcommand evict" -l all -d 'Select every call in the cache'
complete -c fleche -n "__fish_fleche_using_subcommand evict" -l dry-run -d 'List what would be removed without removing anything'
complete -c fleche -n "__fish_fleche_using_subcommand evict" -l offline -d 'Leave remote layers (`type = "ssh"`) out on purpose: no warning, and evictions go to the local layers only'
complete -c fleche -n "__fish_fleche_using_subcommand evict" -l no-index -d 'Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches'
complete -c fleche -n "__fish_fleche_using_subcommand evict" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fleche -n "__fish_fleche_using_subcommand gc" -l min-age -d 'Keep value files modified more recently than this (0, 90s, 30m, 2h, 1d, 1w)' -r
complete -c fleche -n "__fish_fleche_using_subcommand gc" -l format -d 'Output format of the list of files (a real run in table format prints only the summary)' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON array'
jsonl\t'One JSON object per line'
csv\t'Comma-separated, with a header line'
tsv\t'Tab-separated, with a header line'"
complete -c fleche -n "__fish_fleche_using_subcommand gc" -s C -d 'Run as if started in DIR (affects where fleche.toml is looked for)' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand gc" -l cache -d 'Use the cache of this name from the configuration' -r
complete -c fleche -n "__fish_fleche_using_subcommand gc" -l config -d 'Read this configuration file instead of searching for fleche.toml' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand gc" -l root -d 'Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand gc" -l sql -d 'Read call records from this database URL (e.g. postgresql://user@host/db) instead of the configured one' -r
complete -c fleche -n "__fish_fleche_using_subcommand gc" -l color -d 'When to colour output: auto (a terminal without NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fleche -n "__fish_fleche_using_subcommand gc" -l dry-run -d 'List each file that would be deleted, with its size, and the total; delete nothing'
complete -c fleche -n "__fish_fleche_using_subcommand gc" -l offline -d 'Leave remote layers (`type = "ssh"`) out on purpose: no warning, and evictions go to the local layers only'
complete -c fleche -n "__fish_fleche_using_subcommand gc" -l no-index -d 'Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches'
complete -c fleche -n "__fish_fleche_using_subcommand gc" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fleche -n "__fish_fleche_using_subcommand verify" -l name -d 'Calls named NAME (the function\'s qualified name, e.g. `fib`, `MyClass.compute`)' -r
complete -c fleche -n "__fish_fleche_using_subcommand verify" -l module -d 'Calls from MODULE' -r
complete -c fleche -n "__fish_fleche_using_subcommand verify" -l version -d 'Calls of this version: an int when it looks like one, else a string (\'"3"\' for the string 3)' -r
complete -c fleche -n "__fish_fleche_using_subcommand verify" -l code-digest -d 'Calls whose function has this code digest' -r
complete -c fleche -n "__fish_fleche_using_subcommand verify" -l arg -d 'NAME=VALUE: an argument equal to VALUE (a Python literal, or @PREFIX of a stored value); NAME alone: has that argument' -r
complete -c fleche -n "__fish_fleche_using_subcommand verify" -l result -d 'Calls whose result equals VALUE (a Python literal or @PREFIX)' -r
complete -c fleche -n "__fish_fleche_using_subcommand verify" -l meta -d 'KIND: has that metadata; KIND.KEY: has that key; KIND.KEY=VALUE: equal (1, 1.0 and True are equal; \'1\' is not)' -r
complete -c fleche -n "__fish_fleche_using_subcommand verify" -l tag -d 'KEY[=VALUE]: short for --meta tags.KEY[=VALUE]' -r
complete -c fleche -n "__fish_fleche_using_subcommand verify" -l since -d 'Calls started at or after WHEN: a date (2026-11-28, 2026-11-28T14:00) or an age (30m, 2h, 3d, 1w)' -r
complete -c fleche -n "__fish_fleche_using_subcommand verify" -l until -d 'Calls started at or before WHEN (same forms as --since)' -r
complete -c fleche -n "__fish_fleche_using_subcommand verify" -l format -r -f -a "table\t'Aligned columns for people'
json\t'One JSON array'
jsonl\t'One JSON object per line'
csv\t'Comma-separated, with a header line'
tsv\t'Tab-separated, with a header line'"
complete -c fleche -n "__fish_fleche_using_subcommand verify" -s C -d 'Run as if started in DIR (affects where fleche.toml is looked for)' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand verify" -l cache -d 'Use the cache of this name from the configuration' -r
complete -c fleche -n "__fish_fleche_using_subcommand verify" -l config -d 'Read this configuration file instead of searching for fleche.toml' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand verify" -l root -d 'Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand verify" -l sql -d 'Read call records from this database URL (e.g. postgresql://user@host/db) instead of the configured one' -r
complete -c fleche -n "__fish_fleche_using_subcommand verify" -l color -d 'When to colour output: auto (a terminal without NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fleche -n "__fish_fleche_using_subcommand verify" -l notes -d 'Also list notes (orphans, stray files, values shown as reconstruction calls) in the output; they never fail the check'
complete -c fleche -n "__fish_fleche_using_subcommand verify" -l offline -d 'Leave remote layers (`type = "ssh"`) out on purpose: no warning, and evictions go to the local layers only'
complete -c fleche -n "__fish_fleche_using_subcommand verify" -l no-index -d 'Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches'
complete -c fleche -n "__fish_fleche_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fleche -n "__fish_fleche_using_subcommand stats" -l format -d '`table` prints a summary and a table of functions; other formats one object per cache' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON array'
jsonl\t'One JSON object per line'
csv\t'Comma-separated, with a header line'
tsv\t'Tab-separated, with a header line'"
complete -c fleche -n "__fish_fleche_using_subcommand stats" -s C -d 'Run as if started in DIR (affects where fleche.toml is looked for)' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand stats" -l cache -d 'Use the cache of this name from the configuration' -r
complete -c fleche -n "__fish_fleche_using_subcommand stats" -l config -d 'Read this configuration file instead of searching for fleche.toml' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand stats" -l root -d 'Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand stats" -l sql -d 'Read call records from this database URL (e.g. postgresql://user@host/db) instead of the configured one' -r
complete -c fleche -n "__fish_fleche_using_subcommand stats" -l color -d 'When to colour output: auto (a terminal without NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fleche -n "__fish_fleche_using_subcommand stats" -l offline -d 'Leave remote layers (`type = "ssh"`) out on purpose: no warning, and evictions go to the local layers only'
complete -c fleche -n "__fish_fleche_using_subcommand stats" -l no-index -d 'Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches'
complete -c fleche -n "__fish_fleche_using_subcommand stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fleche -n "__fish_fleche_using_subcommand caches" -l format -r -f -a "table\t'Aligned columns for people'
json\t'One JSON array'
jsonl\t'One JSON object per line'
csv\t'Comma-separated, with a header line'
tsv\t'Tab-separated, with a header line'"
complete -c fleche -n "__fish_fleche_using_subcommand caches" -s C -d 'Run as if started in DIR (affects where fleche.toml is looked for)' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand caches" -l cache -d 'Use the cache of this name from the configuration' -r
complete -c fleche -n "__fish_fleche_using_subcommand caches" -l config -d 'Read this configuration file instead of searching for fleche.toml' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand caches" -l root -d 'Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand caches" -l sql -d 'Read call records from this database URL (e.g. postgresql://user@host/db) instead of the configured one' -r
complete -c fleche -n "__fish_fleche_using_subcommand caches" -l color -d 'When to colour output: auto (a terminal without NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fleche -n "__fish_fleche_using_subcommand caches" -l offline -d 'Leave remote layers (`type = "ssh"`) out on purpose: no warning, and evictions go to the local layers only'
complete -c fleche -n "__fish_fleche_using_subcommand caches" -l no-index -d 'Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches'
complete -c fleche -n "__fish_fleche_using_subcommand caches" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fleche -n "__fish_fleche_using_subcommand digest" -l call -d 'Print the key of a call to the function NAME instead' -r
complete -c fleche -n "__fish_fleche_using_subcommand digest" -l module -d 'The call\'s module (default: None)' -r
complete -c fleche -n "__fish_fleche_using_subcommand digest" -l version -d 'The call\'s version: an int when it looks like one, else a string (\'"3"\' for the string 3)' -r
complete -c fleche -n "__fish_fleche_using_subcommand digest" -l code-digest -d 'The function\'s code digest, as stored in the cache (default: None)' -r
complete -c fleche -n "__fish_fleche_using_subcommand digest" -l format -d 'Output format; the default prints one digest per line' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON array'
jsonl\t'One JSON object per line'
csv\t'Comma-separated, with a header line'
tsv\t'Tab-separated, with a header line'"
complete -c fleche -n "__fish_fleche_using_subcommand digest" -s C -d 'Run as if started in DIR (affects where fleche.toml is looked for)' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand digest" -l cache -d 'Use the cache of this name from the configuration' -r
complete -c fleche -n "__fish_fleche_using_subcommand digest" -l config -d 'Read this configuration file instead of searching for fleche.toml' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand digest" -l root -d 'Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand digest" -l sql -d 'Read call records from this database URL (e.g. postgresql://user@host/db) instead of the configured one' -r
complete -c fleche -n "__fish_fleche_using_subcommand digest" -l color -d 'When to colour output: auto (a terminal without NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fleche -n "__fish_fleche_using_subcommand digest" -l offline -d 'Leave remote layers (`type = "ssh"`) out on purpose: no warning, and evictions go to the local layers only'
complete -c fleche -n "__fish_fleche_using_subcommand digest" -l no-index -d 'Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches'
complete -c fleche -n "__fish_fleche_using_subcommand digest" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fleche -n "__fish_fleche_using_subcommand why" -l module -d 'The module the function is defined in (`__main__` in a notebook or script)' -r
complete -c fleche -n "__fish_fleche_using_subcommand why" -l version -d 'The decorator\'s version: an int when it looks like one, else a string' -r
complete -c fleche -n "__fish_fleche_using_subcommand why" -l code-digest -d 'The function\'s code digest (`hash_code=True`)' -r
complete -c fleche -n "__fish_fleche_using_subcommand why" -s n -l limit -d 'How many of the nearest stored calls to show on a miss' -r
complete -c fleche -n "__fish_fleche_using_subcommand why" -l format -r -f -a "text\t'Sentences for people'
json\t'One JSON object'"
complete -c fleche -n "__fish_fleche_using_subcommand why" -s C -d 'Run as if started in DIR (affects where fleche.toml is looked for)' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand why" -l cache -d 'Use the cache of this name from the configuration' -r
complete -c fleche -n "__fish_fleche_using_subcommand why" -l config -d 'Read this configuration file instead of searching for fleche.toml' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand why" -l root -d 'Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand why" -l sql -d 'Read call records from this database URL (e.g. postgresql://user@host/db) instead of the configured one' -r
complete -c fleche -n "__fish_fleche_using_subcommand why" -l color -d 'When to colour output: auto (a terminal without NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fleche -n "__fish_fleche_using_subcommand why" -l offline -d 'Leave remote layers (`type = "ssh"`) out on purpose: no warning, and evictions go to the local layers only'
complete -c fleche -n "__fish_fleche_using_subcommand why" -l no-index -d 'Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches'
complete -c fleche -n "__fish_fleche_using_subcommand why" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fleche -n "__fish_fleche_using_subcommand diff" -l format -r -f -a "text\t'Lines for people (coloured on a terminal)'
json\t'One JSON object'"
complete -c fleche -n "__fish_fleche_using_subcommand diff" -s C -d 'Run as if started in DIR (affects where fleche.toml is looked for)' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand diff" -l cache -d 'Use the cache of this name from the configuration' -r
complete -c fleche -n "__fish_fleche_using_subcommand diff" -l config -d 'Read this configuration file instead of searching for fleche.toml' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand diff" -l root -d 'Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand diff" -l sql -d 'Read call records from this database URL (e.g. postgresql://user@host/db) instead of the configured one' -r
complete -c fleche -n "__fish_fleche_using_subcommand diff" -l color -d 'When to colour output: auto (a terminal without NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fleche -n "__fish_fleche_using_subcommand diff" -l all -d 'Show every row of two calls, not only those that differ'
complete -c fleche -n "__fish_fleche_using_subcommand diff" -l full -d 'Show values in full instead of abbreviating long ones'
complete -c fleche -n "__fish_fleche_using_subcommand diff" -l offline -d 'Leave remote layers (`type = "ssh"`) out on purpose: no warning, and evictions go to the local layers only'
complete -c fleche -n "__fish_fleche_using_subcommand diff" -l no-index -d 'Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches'
complete -c fleche -n "__fish_fleche_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fleche -n "__fish_fleche_using_subcommand rekey" -l module -d 'The module was renamed: OLD=NEW (`__main__=analysis` when a notebook\'s code moved to a module)' -r
complete -c fleche -n "__fish_fleche_using_subcommand rekey" -l name -d 'The function was renamed: OLD=NEW (qualified names, e.g. `fit=fit_model`)' -r
complete -c fleche -n "__fish_fleche_using_subcommand rekey" -l version -d 'File the calls under this version too (the function\'s `version=` was bumped, its results still hold): an int when it reads as one, else a string' -r
complete -c fleche -n "__fish_fleche_using_subcommand rekey" -l arg -d 'Only calls with this argument (NAME=VALUE or NAME), as for `query --arg`' -r
complete -c fleche -n "__fish_fleche_using_subcommand rekey" -l tag -d 'Only calls with this tag (KEY[=VALUE])' -r
complete -c fleche -n "__fish_fleche_using_subcommand rekey" -l format -r -f -a "table\t'Aligned columns for people'
json\t'One JSON array'
jsonl\t'One JSON object per line'
csv\t'Comma-separated, with a header line'
tsv\t'Tab-separated, with a header line'"
complete -c fleche -n "__fish_fleche_using_subcommand rekey" -s C -d 'Run as if started in DIR (affects where fleche.toml is looked for)' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand rekey" -l cache -d 'Use the cache of this name from the configuration' -r
complete -c fleche -n "__fish_fleche_using_subcommand rekey" -l config -d 'Read this configuration file instead of searching for fleche.toml' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand rekey" -l root -d 'Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand rekey" -l sql -d 'Read call records from this database URL (e.g. postgresql://user@host/db) instead of the configured one' -r
complete -c fleche -n "__fish_fleche_using_subcommand rekey" -l color -d 'When to colour output: auto (a terminal without NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fleche -n "__fish_fleche_using_subcommand rekey" -l keep -d 'Keep the old records too, so that both the old and the new code hit'
complete -c fleche -n "__fish_fleche_using_subcommand rekey" -l overwrite -d 'Replace a record already stored under a new key'
complete -c fleche -n "__fish_fleche_using_subcommand rekey" -l dry-run -d 'List old -> new keys without changing anything'
complete -c fleche -n "__fish_fleche_using_subcommand rekey" -l offline -d 'Leave remote layers (`type = "ssh"`) out on purpose: no warning, and evictions go to the local layers only'
complete -c fleche -n "__fish_fleche_using_subcommand rekey" -l no-index -d 'Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches'
complete -c fleche -n "__fish_fleche_using_subcommand rekey" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l name -d 'Calls named NAME (the function\'s qualified name, e.g. `fib`, `MyClass.compute`)' -r
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l module -d 'Calls from MODULE' -r
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l version -d 'Calls of this version: an int when it looks like one, else a string (\'"3"\' for the string 3)' -r
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l code-digest -d 'Calls whose function has this code digest' -r
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l arg -d 'NAME=VALUE: an argument equal to VALUE (a Python literal, or @PREFIX of a stored value); NAME alone: has that argument' -r
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l result -d 'Calls whose result equals VALUE (a Python literal or @PREFIX)' -r
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l meta -d 'KIND: has that metadata; KIND.KEY: has that key; KIND.KEY=VALUE: equal (1, 1.0 and True are equal; \'1\' is not)' -r
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l tag -d 'KEY[=VALUE]: short for --meta tags.KEY[=VALUE]' -r
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l since -d 'Calls started at or after WHEN: a date (2026-11-28, 2026-11-28T14:00) or an age (30m, 2h, 3d, 1w)' -r
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l until -d 'Calls started at or before WHEN (same forms as --since)' -r
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l to -d 'Copy into this configured cache (writes go to a stack\'s first member)' -r
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l to-root -d 'Copy into the cache in DIR (values in DIR/values), made if DIR holds none' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l to-sql -d 'File the records in this database (sqlite:///PATH or postgresql://…) instead' -r
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l format -r -f -a "table\t'Aligned columns for people'
json\t'One JSON array'
jsonl\t'One JSON object per line'
csv\t'Comma-separated, with a header line'
tsv\t'Tab-separated, with a header line'"
complete -c fleche -n "__fish_fleche_using_subcommand copy" -s C -d 'Run as if started in DIR (affects where fleche.toml is looked for)' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l cache -d 'Use the cache of this name from the configuration' -r
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l config -d 'Read this configuration file instead of searching for fleche.toml' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l root -d 'Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l sql -d 'Read call records from this database URL (e.g. postgresql://user@host/db) instead of the configured one' -r
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l color -d 'When to colour output: auto (a terminal without NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l all -d 'Select every call in the cache'
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l move -d 'Evict the calls from the source once the target has them'
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l overwrite -d 'Replace records the target already holds under the same keys'
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l dry-run -d 'Say what would be copied, and how many bytes, without writing'
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l offline -d 'Leave remote layers (`type = "ssh"`) out on purpose: no warning, and evictions go to the local layers only'
complete -c fleche -n "__fish_fleche_using_subcommand copy" -l no-index -d 'Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches'
complete -c fleche -n "__fish_fleche_using_subcommand copy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fleche -n "__fish_fleche_using_subcommand completions" -s C -d 'Run as if started in DIR (affects where fleche.toml is looked for)' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand completions" -l cache -d 'Use the cache of this name from the configuration' -r
complete -c fleche -n "__fish_fleche_using_subcommand completions" -l config -d 'Read this configuration file instead of searching for fleche.toml' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand completions" -l root -d 'Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand completions" -l sql -d 'Read call records from this database URL (e.g. postgresql://user@host/db) instead of the configured one' -r
complete -c fleche -n "__fish_fleche_using_subcommand completions" -l color -d 'When to colour output: auto (a terminal without NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fleche -n "__fish_fleche_using_subcommand completions" -l offline -d 'Leave remote layers (`type = "ssh"`) out on purpose: no warning, and evictions go to the local layers only'
complete -c fleche -n "__fish_fleche_using_subcommand completions" -l no-index -d 'Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches'
complete -c fleche -n "__fish_fleche_using_subcommand completions" -s h -l help -d 'Print help'
complete -c fleche -n "__fish_fleche_using_subcommand man" -s C -d 'Run as if started in DIR (affects where fleche.toml is looked for)' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand man" -l cache -d 'Use the cache of this name from the configuration' -r
complete -c fleche -n "__fish_fleche_using_subcommand man" -l config -d 'Read this configuration file instead of searching for fleche.toml' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand man" -l root -d 'Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration' -r -F
complete -c fleche -n "__fish_fleche_using_subcommand man" -l sql -d 'Read call records from this database URL (e.g. postgresql://user@host/db) instead of the configured one' -r
complete -c fleche -n "__fish_fleche_using_subcommand man" -l color -d 'When to colour output: auto (a terminal without NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fleche -n "__fish_fleche_using_subcommand man" -l offline -d 'Leave remote layers (`type = "ssh"`) out on purpose: no warning, and evictions go to the local layers only'
complete -c fleche -n "__fish_fleche_using_subcommand man" -l no-index -d 'Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches'
complete -c fleche -n "__fish_fleche_using_subcommand man" -s h -l help -d 'Print help'
complete -c fleche -n "__fish_fleche_using_subcommand help; and not __fish_seen_subcommand_from ls query show expand shrink export tag untag evict gc verify stats caches digest why diff rekey copy completions man help" -f -a "ls" -d 'List the calls in the cache, newest first'
complete -c fleche -n "__fish_fleche_using_subcommand help; and not __fish_seen_subcommand_from ls query show expand shrink export tag untag evict gc verify stats caches digest why diff rekey copy completions man help" -f -a "query" -d 'Find calls by name, module, version, arguments, result, metadata and time'
complete -c fleche -n "__fish_fleche_using_subcommand help; and not __fish_seen_subcommand_from ls query show expand shrink export tag untag evict gc verify stats caches digest why diff rekey copy completions man help" -f -a "show" -d 'Show calls and values by (short) digest: arguments, result, metadata, decoded values'
complete -c fleche -n "__fish_fleche_using_subcommand help; and not __fish_seen_subcommand_from ls query show expand shrink export tag untag evict gc verify stats caches digest why diff rekey copy completions man help" -f -a "expand" -d 'Expand short digests to full ones (calls and values); `-` reads one per line from stdin'
complete -c fleche -n "__fish_fleche_using_subcommand help; and not __fish_seen_subcommand_from ls query show expand shrink export tag untag evict gc verify stats caches digest why diff rekey copy completions man help" -f -a "shrink" -d 'Shorten full digests to the shortest unique prefix; `-` reads one per line from stdin'
complete -c fleche -n "__fish_fleche_using_subcommand help; and not __fish_seen_subcommand_from ls query show expand shrink export tag untag evict gc verify stats caches digest why diff rekey copy completions man help" -f -a "export" -d 'Write a cached value to a file: a numpy array as .npy (as np.save writes it), a pandas DataFrame or Series as CSV (as to_csv writes it), any value as JSON'
complete -c fleche -n "__fish_fleche_using_subcommand help; and not __fish_seen_subcommand_from ls query show expand shrink export tag untag evict gc verify stats caches digest why diff rekey copy completions man help" -f -a "tag" -d 'Set or remove tags on calls (selected by key prefix or by query filters)'
complete -c fleche -n "__fish_fleche_using_subcommand help; and not __fish_seen_subcommand_from ls query show expand shrink export tag untag evict gc verify stats caches digest why diff rekey copy completions man help" -f -a "untag" -d 'Remove tags from calls (selected by key prefix or by query filters)'
complete -c fleche -n "__fish_fleche_using_subcommand help; and not __fish_seen_subcommand_from ls query show expand shrink export tag untag evict gc verify stats caches digest why diff rekey copy completions man help" -f -a "evict" -d 'Remove call records (values stay until `fleche gc`)'
complete -c fleche -n "__fish_fleche_using_subcommand help; and not __fish_seen_subcommand_from ls query show expand shrink export tag untag evict gc verify stats caches digest why diff rekey copy completions man help" -f -a "gc" -d 'Delete value files that no call record needs (safe beside running fleche jobs)'
complete -c fleche -n "__fish_fleche_using_subcommand help; and not __fish_seen_subcommand_from ls query show expand shrink export tag untag evict gc verify stats caches digest why diff rekey copy completions man help" -f -a "verify" -d 'Check a cache: call keys, value digests, missing or unreadable values, orphans, stray files'
complete -c fleche -n "__fish_fleche_using_subcommand help; and not __fish_seen_subcommand_from ls query show expand shrink export tag untag evict gc verify stats caches digest why diff rekey copy completions man help" -f -a "stats" -d 'Summarise a cache: calls per function, values, bytes, time span, walltime, orphans'
complete -c fleche -n "__fish_fleche_using_subcommand help; and not __fish_seen_subcommand_from ls query show expand shrink export tag untag evict gc verify stats caches digest why diff rekey copy completions man help" -f -a "caches" -d 'List the caches the configuration defines (name, file, storages, counts)'
complete -c fleche -n "__fish_fleche_using_subcommand help; and not __fish_seen_subcommand_from ls query show expand shrink export tag untag evict gc verify stats caches digest why diff rekey copy completions man help" -f -a "digest" -d 'Print fleche\'s digest of each VALUE, or the key of a call with --call'
complete -c fleche -n "__fish_fleche_using_subcommand help; and not __fish_seen_subcommand_from ls query show expand shrink export tag untag evict gc verify stats caches digest why diff rekey copy completions man help" -f -a "why" -d 'Explain a cache miss: is this call stored, and if not, what differs in the nearest stored calls'
complete -c fleche -n "__fish_fleche_using_subcommand help; and not __fish_seen_subcommand_from ls query show expand shrink export tag untag evict gc verify stats caches digest why diff rekey copy completions man help" -f -a "diff" -d 'Show what differs between two calls or two values (exit 1 when they differ)'
complete -c fleche -n "__fish_fleche_using_subcommand help; and not __fish_seen_subcommand_from ls query show expand shrink export tag untag evict gc verify stats caches digest why diff rekey copy completions man help" -f -a "rekey" -d 'File calls under the keys fleche computes after a module or function rename'
complete -c fleche -n "__fish_fleche_using_subcommand help; and not __fish_seen_subcommand_from ls query show expand shrink export tag untag evict gc verify stats caches digest why diff rekey copy completions man help" -f -a "copy" -d 'Copy calls and the values they need into another cache'
complete -c fleche -n "__fish_fleche_using_subcommand help; and not __fish_seen_subcommand_from ls query show expand shrink export tag untag evict gc verify stats caches digest why diff rekey copy completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c fleche -n "__fish_fleche_using_subcommand help; and not __fish_seen_subcommand_from ls query show expand shrink export tag untag evict gc verify stats caches digest why diff rekey copy completions man help" -f -a "man" -d 'Print the manual page (roff), e.g. `fleche man | man -l -`'
complete -c fleche -n "__fish_fleche_using_subcommand help; and not __fish_seen_subcommand_from ls query show expand shrink export tag untag evict gc verify stats caches digest why diff rekey copy completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
