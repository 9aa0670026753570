/**
 * The zsh completion script (`ports completion zsh`). Like the bash one it holds no list of
 * commands: each Tab runs `ports __complete zsh -- WORDS… CURRENT` (unquoted by zsh) and shows
 * the answer (reply.ts) with zsh's own helpers, which quote what they insert.
 */
export function zshScript(): string {
  return `#compdef ports
# zsh completion for ports (portkeeper), printed by: ports completion zsh
#
# For this shell (after compinit):  source <(ports completion zsh)
# For every new shell:              ports completion zsh > "\${fpath[1]}/_ports"
#                                   (any folder in $fpath), then start a new shell.
#
# Each Tab runs "ports __complete", which answers from the commands of the ports on your PATH
# and, for service names, ports and owner tags, from a running daemon (never starting one).

_ports() {
  local -a found pairs
  local header directive field line value description
  found=("\${(@f)$(command ports __complete zsh -- "\${(@Q)words[2,CURRENT-1]}" "\${(Q)PREFIX}" 2>/dev/null)}")
  header=\${found[1]}
  directive=\${header%%$'\\t'*}
  field=\${header#*$'\\t'}
  case $directive in
    values)
      for line in "\${(@)found[2,-1]}"; do
        [[ -n $line ]] || continue
        value=\${line%%$'\\t'*}
        description=\${line#*$'\\t'}
        pairs+=("\${value//:/\\\\:}\${description:+:$description}")
      done
      (( \${#pairs} )) && _describe -t values 'ports' pairs
      ;;
    files | dirs)
      [[ -n $field && $field != $directive ]] && compset -P '*='
      if [[ $directive == dirs ]]; then _files -/; else _files; fi
      ;;
    command)
      # The words from the field's on are a command line of their own (ports run -- CMD …).
      words=("\${(@)words[field+2,-1]}")
      (( CURRENT -= field + 1 ))
      _normal
      ;;
  esac
}

if [[ \${funcstack[1]} == _ports ]]; then
  _ports "$@"
else
  compdef _ports ports
fi
`;
}
