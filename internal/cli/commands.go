// Package cli holds the integrator's commands of the redcloud binary (token,
// whoami, numbers, send, message, messages, key, listen, doctor, segments,
// completion). They are built only on the public packages — the client
// (github.com/redcloud-core/redcloud) and webhook — never on anything under
// internal/, so that they do exactly what an integration can do
// (imports_test.go checks it).
package cli

import (
	"strings"

	"github.com/spf13/cobra"
)

// Commands returns the integrator's commands, which main registers on the
// root command.
func Commands() []*cobra.Command {
	return []*cobra.Command{
		tokenCmd(), whoAmICmd(), numbersCmd(), sendCmd(), messageCmd(), messagesCmd(), keyCmd(),
		listenCmd(), doctorCmd(), segmentsCmd(), completionCmd(),
	}
}

// RootLong is the root command's long help: what the binary holds, the
// integrator's configuration and the exit codes. main sets it on the root.
const RootLong = `Red Cloud CORE in one binary: the server ("serve"), the operator's tools
("admin") and the integrator's commands, which use only the public Go client
and webhook packages — exactly what an integration can do:

  token      get an access token          whoami    who the credentials are
  numbers    list / search / update       send      send an SMS or MMS
  message    a message and its events     key       what a send's key recorded
  messages   list messages, with filters
  listen     receive webhooks locally     doctor    check the setup, run drills
  segments   encoding and SMS parts of a text, offline
  completion shell completion scripts

Configuration of the integrator's commands (a flag wins over its variable;
with neither, the local sandbox of "redcloud serve" and its demo client):
  --base-url       BASE_URL          default http://127.0.0.1:8080
  --client-id      RC_CLIENT_ID      default rc_test_client_123
  --client-secret  RC_CLIENT_SECRET  default rc_secret_abc123 (the sandbox demo secret)
  --number-id      RC_NUMBER_ID      default num_abc123
Output is for humans (colour only on a terminal, never with NO_COLOR set);
--json prints JSON for scripts. A failure is read the playbook's way (shape,
category, action, explanation, requestId, fix); --escalate adds the
escalation package for support.

` + exitCodes

// RootExample is the root command's example: the first five minutes. main
// sets it on the root.
const RootExample = `  redcloud serve                                   # terminal 1: the local sandbox
  redcloud doctor                                  # terminal 2: is everything set up?
  redcloud listen                                  # terminal 3: watch webhooks arrive
  redcloud send --to +15551234567 --text "hello"   # terminal 2: send, then
  redcloud message msg_…                           # follow the message`

// noArgs refuses positional arguments with a usage error (exit code 2).
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		if cmd.HasSubCommands() {
			return usagef("unknown command %q for %q; see %s --help", args[0], cmd.CommandPath(), cmd.CommandPath())
		}
		return usagef("%s takes no arguments (got %q); see %s --help", cmd.CommandPath(), args, cmd.CommandPath())
	}
	return nil
}

// exactArgs wants exactly the named arguments, with a usage error (exit
// code 2) otherwise.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != len(names) {
			return usagef("usage: %s %s (got %d argument%s)", cmd.CommandPath(), strings.Join(names, " "), len(args), plural(len(args)))
		}
		for i, a := range args {
			if strings.TrimSpace(a) == "" {
				return usagef("%s must not be empty", names[i])
			}
		}
		return nil
	}
}

// maxArgs allows up to n arguments, with a usage error (exit code 2)
// beyond.
func maxArgs(n int, usage string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > n {
			return usagef("usage: %s %s (got %d arguments)", cmd.CommandPath(), usage, len(args))
		}
		return nil
	}
}
