# bash completion for vmmctl(1): commands, options, and the names of the
# daemon's VMs (asked from the daemon, quietly, when it is there).
_vmmctl_vms()
{
	vmmctl list 2>/dev/null | awk 'NR > 1 { print $1 }'
}

_vmmctl()
{
	local cur prev commands options i command=""
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	commands="version host commands metrics list info create start pause resume stop
		kill delete console send run wait events"
	options="--socket --json --timeout --wait-for --until --ready-file --help"

	case "$prev" in
	--socket|--ready-file)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--timeout|--until)
		return ;;
	--wait-for)
		COMPREPLY=($(compgen -W "VM_CREATED VM_STARTING VM_RUNNING VM_PAUSED
			VM_RESUMED VM_STOPPING VM_STOPPED VM_CRASHED VM_DELETED" -- "$cur"))
		return ;;
	esac
	for ((i = 1; i < COMP_CWORD; i++)); do
		case "${COMP_WORDS[i]}" in
		--socket|--timeout|--wait-for|--until|--ready-file) ((i++)) ;;
		-*) ;;
		*) command=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [[ "$cur" == -* ]]; then
		COMPREPLY=($(compgen -W "$options" -- "$cur"))
	elif [ -z "$command" ]; then
		COMPREPLY=($(compgen -W "$commands" -- "$cur"))
	elif [ "$i" -eq $((COMP_CWORD - 1)) ]; then
		case "$command" in
		create|run) COMPREPLY=($(compgen -f -X '!*.json' -- "$cur")
			$(compgen -d -- "$cur")) ;;
		info|start|pause|resume|stop|kill|delete|console|send|wait)
			COMPREPLY=($(compgen -W "$(_vmmctl_vms)" -- "$cur")) ;;
		esac
	elif [ "$command" = wait ] && [ "$i" -eq $((COMP_CWORD - 2)) ]; then
		COMPREPLY=($(compgen -W "defined starting running paused stopping
			stopped crashed" -- "$cur"))
	fi
}
complete -F _vmmctl vmmctl
