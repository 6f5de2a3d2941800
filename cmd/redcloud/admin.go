package main

import "github.com/spf13/cobra"

func adminCmd() *cobra.Command {
	return &cobra.Command{Use: "admin", Short: "Administer accounts, API clients and numbers directly in the database"}
}
