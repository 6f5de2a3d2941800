package cli

import (
	"github.com/spf13/cobra"
)

// completionCmd is `redcloud completion <shell>`. Cobra would add a
// default completion command; this one replaces it (cobra then adds none) so
// that it has an example and exits 2 on an unknown shell like every other
// integrator command. The scripts are cobra's, with descriptions.
func completionCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script for redcloud",
		Long: `Print a completion script for the given shell on stdout. Load it in the
current shell, or install it where the shell looks for completions:

  bash  source <(redcloud completion bash)
        (needs the bash-completion package; to install for every session:
        redcloud completion bash > /etc/bash_completion.d/redcloud)
  zsh   redcloud completion zsh > "${fpath[1]}/_redcloud"
        (with "autoload -U compinit; compinit" in ~/.zshrc)
  fish  redcloud completion fish > ~/.config/fish/completions/redcloud.fish
  powershell  redcloud completion powershell | Out-String | Invoke-Expression`,
		Example: `  source <(redcloud completion bash)
  redcloud completion zsh > "${fpath[1]}/_redcloud"
  redcloud completion fish > ~/.config/fish/completions/redcloud.fish`,
		ValidArgs:             []string{"bash", "zsh", "fish", "powershell"},
		DisableFlagsInUseLine: true,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("usage: redcloud completion bash|zsh|fish|powershell")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			root, out := cmd.Root(), cmd.OutOrStdout()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(out)
			}
			return usagef("unknown shell %q: use bash, zsh, fish or powershell", args[0])
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usage(err) })
	return cmd
}
