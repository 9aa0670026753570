/**
 * The bash completion script (`ports completion bash`). It holds no list of commands: each Tab
 * runs `ports __complete bash -- LINE WORDBREAKS` with the line up to the cursor, and takes the
 * answer (reply.ts) as COMPREPLY, already quoted (bash-words.ts); nothing from the answer is
 * ever evaluated. Needs bash 4 or later (bash 3 gets names, not its `compopt` file completion).
 */
export function bashScript(): string {
  return `# bash completion for ports (portkeeper), printed by: ports completion bash
#
# For this shell:        source <(ports completion bash)
# For every new shell:   ports completion bash > ~/.local/share/bash-completion/completions/ports
#                        (with the bash-completion package), or the source line in ~/.bashrc.
#
# Each Tab runs "ports __complete", which answers from the commands of the ports on your PATH
# and, for service names, ports and owner tags, from a running daemon (never starting one).

_ports_completion() {
    local cur=\${COMP_WORDS[COMP_CWORD]} directive value i
    local -a found=()
    COMPREPLY=()
    while IFS= read -r value; do
        found+=("$value")
    done < <(command ports __complete bash -- "\${COMP_LINE:0:COMP_POINT}" "$COMP_WORDBREAKS" 2>/dev/null)
    ((\${#found[@]})) || return 0
    directive=\${found[0]}
    case $directive in
    values)
        # Each line is a COMPREPLY entry as it is: quoted already, and only the part readline replaces.
        COMPREPLY=("\${found[@]:1}")
        ;;
    files | dirs)
        _ports_completion_paths "$directive"
        ;;
    command-name | command-args)
        # With the bash-completion package, the command's own completion takes over after "--".
        if declare -F _command_offset >/dev/null; then
            for ((i = 1; i < COMP_CWORD; i++)); do
                if [[ \${COMP_WORDS[i]} == -- ]]; then
                    _command_offset $((i + 1))
                    return 0
                fi
            done
        fi
        if [[ $directive == command-name ]]; then
            while IFS= read -r value; do COMPREPLY+=("$value"); done < <(compgen -c -- "$cur")
        else
            _ports_completion_paths files
        fi
        ;;
    esac
    return 0
}

# File or folder names: readline's own completion (which quotes them), or compgen outside of it.
_ports_completion_paths() {
    local value option=default flag=-f
    [[ $1 == dirs ]] && option=dirnames flag=-d
    compopt -o "$option" 2>/dev/null && return 0
    while IFS= read -r value; do COMPREPLY+=("$value"); done < <(compgen "$flag" -- "\${COMP_WORDS[COMP_CWORD]}")
}

complete -F _ports_completion ports
`;
}
