/**
 * The fish completion script (`ports completion fish`). Like the bash one it holds no list of
 * commands: each Tab runs `ports __complete fish -- TOKENS… CURRENT` and prints the answer
 * (reply.ts) as fish's `VALUE<TAB>DESCRIPTION` lines; fish quotes what it inserts.
 */
export function fishScript(): string {
  return `# fish completion for ports (portkeeper), printed by: ports completion fish
#
# For this shell:       ports completion fish | source
# For every new shell:  ports completion fish > ~/.config/fish/completions/ports.fish
#
# Each Tab runs "ports __complete", which answers from the commands of the ports on your PATH
# and, for service names, ports and owner tags, from a running daemon (never starting one).

function __ports_complete
    set -l tokens (commandline -xpc 2>/dev/null; or commandline -opc)
    set -e tokens[1]
    set -l current (commandline -ct)
    set -l found (command ports __complete fish -- $tokens "$current" 2>/dev/null)
    or return 0
    set -q found[1]; or return 0
    set -l header (string split \\t -- $found[1])
    switch $header[1]
        case values
            for line in $found[2..-1]
                echo $line
            end
        case files dirs
            set -l insert "$header[2]"
            set -l path (string sub -s (math (string length -- "$insert") + 1) -- "$current")
            set -l paths
            if test $header[1] = dirs
                set paths (__fish_complete_directories "$path")
            else
                set paths (__fish_complete_path "$path")
            end
            for line in $paths
                echo "$insert$line"
            end
        case command
            set -l rest $tokens[(math $header[2] + 1)..-1]
            complete -C (string join ' ' -- (string escape -- $rest) "$current")
    end
end

complete -c ports -f -a '(__ports_complete)'
`;
}
