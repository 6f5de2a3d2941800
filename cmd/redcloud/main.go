// Command redcloud runs and administers the Red Cloud CORE server, and holds
// the integrator's tools.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/redcloud-core/redcloud/internal/admin"
	"github.com/redcloud-core/redcloud/internal/cli"
	"github.com/redcloud-core/redcloud/internal/command"
	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := rootCmd().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(command.Code(err))
	}
}

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "redcloud",
		Short:         "Red Cloud CORE: SMS/MMS messaging server, admin and integrator tools",
		Long:          cli.RootLong,
		Example:       cli.RootExample,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serveCmd(), admin.Command(), benchCmd())
	root.AddCommand(cli.Commands()...)
	return root
}
