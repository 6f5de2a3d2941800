package admin

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// providerFlags maps the operator's provider fields to the flags and
// arguments that set them.
var providerFlags = flags{
	"name": "NAME", "provider": "PROVIDER", "url": "--url", "passwordEnv": "--password-env", "binds": "--binds",
	"window": "--window", "mps": "--mps", "enquireLink": "--enquire-link", "systemType": "--system-type",
	"dlrIdFormat": "--dlr-id-format", "dcs0": "--dcs0", "segmentation": "--segmentation",
}

// providerJSON is a provider in --json output. It never holds the
// password: passwordSource says where the server reads it from.
type providerJSON struct {
	Name           string         `json:"name"`
	Type           string         `json:"type"`
	BuiltIn        bool           `json:"builtIn"`
	Default        bool           `json:"default"`
	Numbers        int            `json:"numbers"`
	URL            string         `json:"url,omitempty"`
	Host           string         `json:"host,omitempty"`
	Port           int            `json:"port,omitempty"`
	TLS            bool           `json:"tls,omitempty"`
	SystemID       string         `json:"systemId,omitempty"`
	PasswordSource string         `json:"passwordSource,omitempty"` // database or environment
	PasswordEnv    string         `json:"passwordEnv,omitempty"`
	SystemType     string         `json:"systemType,omitempty"`
	Binds          int            `json:"binds,omitempty"`
	Window         int            `json:"window,omitempty"`
	MPS            *float64       `json:"mps,omitempty"`
	EnquireLink    string         `json:"enquireLink,omitempty"`
	DLRIDFormat    string         `json:"dlrIdFormat,omitempty"`
	DCS0           string         `json:"dcs0,omitempty"`
	Segmentation   string         `json:"segmentation,omitempty"`
	BindStates     []bindJSON     `json:"bindStates"`
	CreatedAt      *redcloud.Time `json:"createdAt,omitempty"`
	UpdatedAt      *redcloud.Time `json:"updatedAt,omitempty"`
}

// bindJSON is one live bind of a provider in one server process.
type bindJSON struct {
	Process   string        `json:"process"`
	Bind      int           `json:"bind"`
	State     string        `json:"state"`
	Since     redcloud.Time `json:"since"`
	LastError string        `json:"lastError,omitempty"`
	UpdatedAt redcloud.Time `json:"updatedAt"`
}

func newProviderJSON(s operator.ProviderSummary) providerJSON {
	j := providerJSON{Name: s.Name, Type: s.Type, BuiltIn: s.BuiltIn, Default: s.Default, Numbers: s.Numbers, BindStates: []bindJSON{}}
	for _, b := range s.Binds {
		j.BindStates = append(j.BindStates, bindJSON{Process: b.Process, Bind: b.Bind, State: b.State,
			Since: redcloud.NewTime(b.Since), LastError: b.LastError, UpdatedAt: redcloud.NewTime(b.UpdatedAt)})
	}
	if s.BuiltIn {
		return j
	}
	p := s.ProviderConfig
	mps := p.MPS
	created, updated := redcloud.NewTime(p.CreatedAt), redcloud.NewTime(p.UpdatedAt)
	j.URL, j.Host, j.Port, j.TLS, j.SystemID = p.URL(), p.Host, p.Port, p.TLS, p.SystemID
	j.PasswordSource, j.PasswordEnv = passwordSource(p), p.PasswordEnv
	j.SystemType, j.Binds, j.Window, j.MPS, j.EnquireLink = p.SystemType, p.Binds, p.Window, &mps, p.EnquireLink.String()
	j.DLRIDFormat, j.DCS0, j.Segmentation = p.DLRIDFormat, p.DCS0, p.Segmentation
	j.CreatedAt, j.UpdatedAt = &created, &updated
	return j
}

// passwordSource says where a provider's password comes from, never what
// it is.
func passwordSource(p platform.ProviderConfig) string {
	if p.PasswordEnv != "" {
		return "environment"
	}
	return "database"
}

// passwordText describes a provider's password for people.
func passwordText(p platform.ProviderConfig) string {
	if p.PasswordEnv != "" {
		return "from the environment variable " + p.PasswordEnv + " of each server process"
	}
	return "stored in the database (not shown)"
}

// mpsText renders a submit rate.
func mpsText(mps float64) string {
	if mps == 0 {
		return "unlimited"
	}
	return strconv.FormatFloat(mps, 'f', -1, 64) + "/s"
}

// bindsText summarises live binds: "2 bound, 1 failed", or "-".
func bindsText(bs []platform.ProviderBind) string {
	if len(bs) == 0 {
		return "-"
	}
	counts := map[string]int{}
	order := []string{platform.BindBound, platform.BindConnecting, platform.BindFailed}
	for _, b := range bs {
		if !slices.Contains(order, b.State) {
			order = append(order, b.State)
		}
		counts[b.State]++
	}
	var parts []string
	for _, st := range order {
		if counts[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[st], st))
		}
	}
	return strings.Join(parts, ", ")
}

// wasText renders a previous setting: its value or "none".
func wasText(prev string) string {
	if prev == "" {
		return "none"
	}
	return prev
}

// printBinds writes the live binds of providers as a table.
func printBinds(w io.Writer, ss []operator.ProviderSummary) error {
	tw := table(w)
	fmt.Fprintln(tw, "PROVIDER\tPROCESS\tBIND\tSTATE\tSINCE\tLAST ERROR")
	for _, s := range ss {
		for _, b := range s.Binds {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", s.Name, b.Process, b.Bind, b.State, b.Since.Format(time.RFC3339),
				orNone(&b.LastError))
		}
	}
	return tw.Flush()
}

// sandboxNote reminds that the sandbox reaches no carrier.
const sandboxNote = "note: the sandbox provider simulates sends and receipts; nothing reaches a carrier"

func (r *root) providerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "provider",
		Short: "Manage upstream providers (SMPP carrier links), the default provider and their binds",
		Long: `Providers are where messages go upstream. The built-in provider "sandbox"
simulates sends and receipts; operators add SMPP providers (carriers,
aggregators). A number sends through the provider it is routed to
(` + "`redcloud admin number route`" + `), else through the default provider, else, in
sandbox mode only, through the sandbox; in production such a message fails
NO_ROUTE. Running servers apply every change within 5 seconds, without a
restart. Passwords are never shown.`,
		Example: `  redcloud admin provider add acme --url smpp://acme:PASSWORD@smsc.acme.example:2775 --binds 2
  redcloud admin provider add acme --url smpps://acme@smsc.acme.example:3550 --password-env ACME_SMPP_PASSWORD
  redcloud admin provider default acme
  redcloud admin provider list`,
		Args: groupArgs,
		RunE: groupRun,
	}
	cmd.AddCommand(r.providerAddCmd(), r.providerSetCmd(), r.providerListCmd(), r.providerShowCmd(),
		r.providerRemoveCmd(), r.providerDefaultCmd())
	return cmd
}

// providerSettings are the flags add and set share.
type providerSettings struct {
	url, passwordEnv, systemType, dlrIDFormat, dcs0, segmentation string
	binds, window                                                 int
	mps                                                           float64
	enquireLink                                                   time.Duration
}

func (s *providerSettings) register(cmd *cobra.Command, add bool) {
	f := cmd.Flags()
	urlHelp := "smpp://SYSTEM_ID:PASSWORD@HOST:PORT, or smpps:// for TLS (required)"
	if !add {
		urlHelp = "a new smpp:// or smpps:// URL; without a password the current one is kept"
	}
	f.StringVar(&s.url, "url", "", urlHelp)
	f.StringVar(&s.passwordEnv, "password-env", "", "read the password from this environment variable of each server process instead of storing it")
	f.IntVar(&s.binds, "binds", operator.DefaultBinds, "binds per server process")
	f.IntVar(&s.window, "window", operator.DefaultWindow, "submits in flight per bind")
	f.Float64Var(&s.mps, "mps", 0, "submits per second per provider and server process; 0 = unlimited")
	f.DurationVar(&s.enquireLink, "enquire-link", operator.DefaultEnquireLink, "enquire_link interval on an idle bind")
	f.StringVar(&s.systemType, "system-type", "", "the bind's system_type, when the carrier asks for one")
	f.StringVar(&s.dlrIDFormat, "dlr-id-format", operator.DefaultDLRIDFormat, "message ids in receipts: auto, dec or hex")
	f.StringVar(&s.dcs0, "dcs0", operator.DefaultDCS0, "what data_coding 0 means to the SMSC: gsm, latin1 or ascii")
	f.StringVar(&s.segmentation, "segmentation", operator.DefaultSegmentation, "long messages as udh, sar or payload")
}

// envNote warns when the variable holding a password is not set here: the
// server processes need it, and this shell is often one of them.
func envNote(cmd *cobra.Command, env string) {
	if env != "" && os.Getenv(env) == "" {
		fmt.Fprintf(cmd.ErrOrStderr(), "note: %s is not set in this environment; every server process must have it set, or its binds fail\n", env)
	}
}

// printProvider writes one provider as a two-column table.
func printProvider(w io.Writer, s operator.ProviderSummary) error {
	tw := table(w)
	rows := [][2]string{{"Name", s.Name}, {"Type", s.Type}}
	if s.BuiltIn {
		rows = append(rows, [2]string{"URL", "built in: simulates sends and receipts"})
	} else {
		p := s.ProviderConfig
		rows = append(rows,
			[2]string{"URL", p.URL()},
			[2]string{"Password", passwordText(p)},
			[2]string{"System type", orNone(&p.SystemType)},
			[2]string{"Binds", fmt.Sprintf("%d per server process", p.Binds)},
			[2]string{"Window", fmt.Sprintf("%d submits in flight per bind", p.Window)},
			[2]string{"MPS", mpsText(p.MPS) + " per server process"},
			[2]string{"Enquire link", p.EnquireLink.String()},
			[2]string{"DLR id format", p.DLRIDFormat},
			[2]string{"DCS 0", p.DCS0},
			[2]string{"Segmentation", p.Segmentation},
			[2]string{"Created", p.CreatedAt.Format(time.RFC3339)},
			[2]string{"Updated", p.UpdatedAt.Format(time.RFC3339)})
	}
	rows = append(rows, [2]string{"Default", yesNo(s.Default)}, [2]string{"Numbers routed", strconv.Itoa(s.Numbers)},
		[2]string{"Binds now", bindsText(s.Binds)})
	for _, row := range rows {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(s.Binds) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	return printBinds(w, []operator.ProviderSummary{s})
}

func (r *root) providerAddCmd() *cobra.Command {
	var s providerSettings
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "add NAME --url smpp://SYSTEM_ID:PASSWORD@HOST:PORT [flags]",
		Short: "Add an SMPP provider",
		Long: `Add an SMPP provider: the carrier's SMSC at HOST:PORT, bound as SYSTEM_ID.
smpps:// connects with TLS. Percent-encode '@', ':', '/', '?' and '#' in the
password (p@ss → p%40ss). The password is stored in the database as given (a
bind sends it), or, with --password-env VAR and no password in the URL, read
by each server process from its environment variable VAR; it is never shown.
NAME: a lower-case letter, then up to 31 of a-z, 0-9, '_' and '-'.

Running servers bind within 5 seconds. Numbers send through it once routed
to it (` + "`redcloud admin number route NUMBER NAME`" + `) or when it is the default
(` + "`redcloud admin provider default NAME`" + `).`,
		Example: `  redcloud admin provider add acme --url smpp://acme:PASSWORD@smsc.acme.example:2775
  redcloud admin provider add acme --url smpps://acme@smsc.acme.example:3550 --password-env ACME_SMPP_PASSWORD --binds 2 --mps 50
  redcloud admin provider add beta --url smpp://beta:PASSWORD@10.0.0.5:2775 --dlr-id-format hex --dcs0 latin1 --segmentation sar`,
		Args: args("NAME"),
		RunE: runE(func(cmd *cobra.Command, a []string) error {
			in := operator.ProviderInput{Name: a[0], URL: s.url, PasswordEnv: s.passwordEnv, SystemType: s.systemType,
				Binds: s.binds, Window: s.window, MPS: s.mps, EnquireLink: s.enquireLink,
				DLRIDFormat: s.dlrIDFormat, DCS0: s.dcs0, Segmentation: s.segmentation}
			if err := in.Validate(); err != nil {
				return fail(err, providerFlags)
			}
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				p, err := op.AddProvider(ctx, in)
				if err != nil {
					return err
				}
				envNote(cmd, p.PasswordEnv)
				if asJSON {
					return printJSON(cmd.OutOrStdout(), newProviderJSON(operator.ProviderSummary{ProviderConfig: p}))
				}
				fmt.Fprintf(cmd.OutOrStdout(), "provider %s added: %s, %d bind%s per server process, window %d, %s\n",
					p.Name, p.URL(), p.Binds, plural(p.Binds), p.Window, mpsText(p.MPS))
				fmt.Fprintf(cmd.ErrOrStderr(), "next: route numbers to it with `redcloud admin number route NUMBER %s`, or make it the default with `redcloud admin provider default %s`\n", p.Name, p.Name)
				return nil
			})
		}),
	}
	s.register(cmd, true)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the provider as JSON")
	return cmd
}

func (r *root) providerSetCmd() *cobra.Command {
	var s providerSettings
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "set NAME [flags]",
		Short: "Change an SMPP provider's settings",
		Long: `Change the settings of an SMPP provider; flags not given are left as they
are. A --url without a password keeps the current password; --password-env
replaces a stored password. Running servers rebind it within 5 seconds.`,
		Example: `  redcloud admin provider set acme --binds 4 --mps 100
  redcloud admin provider set acme --url smpp://acme:NEWPASSWORD@smsc.acme.example:2775
  redcloud admin provider set acme --password-env ACME_SMPP_PASSWORD`,
		Args: args("NAME"),
		RunE: runE(func(cmd *cobra.Command, a []string) error {
			var u operator.ProviderUpdate
			f := cmd.Flags()
			str := func(name string, v *string) *string {
				if f.Changed(name) {
					return v
				}
				return nil
			}
			u.URL, u.PasswordEnv, u.SystemType = str("url", &s.url), str("password-env", &s.passwordEnv), str("system-type", &s.systemType)
			u.DLRIDFormat, u.DCS0, u.Segmentation = str("dlr-id-format", &s.dlrIDFormat), str("dcs0", &s.dcs0), str("segmentation", &s.segmentation)
			if f.Changed("binds") {
				u.Binds = &s.binds
			}
			if f.Changed("window") {
				u.Window = &s.window
			}
			if f.Changed("mps") {
				u.MPS = &s.mps
			}
			if f.Changed("enquire-link") {
				u.EnquireLink = &s.enquireLink
			}
			if u.Empty() {
				return usagef("nothing to change: give --url, --password-env, --binds, --window, --mps, --enquire-link, --system-type, --dlr-id-format, --dcs0 or --segmentation")
			}
			if err := u.Validate(); err != nil {
				return fail(err, providerFlags)
			}
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				p, err := op.UpdateProvider(ctx, a[0], u)
				if err != nil {
					return fail(err, providerFlags)
				}
				envNote(cmd, p.PasswordEnv)
				if asJSON {
					return printJSON(cmd.OutOrStdout(), newProviderJSON(operator.ProviderSummary{ProviderConfig: p}))
				}
				fmt.Fprintf(cmd.OutOrStdout(), "provider %s changed: %s, %d bind%s per server process, window %d, %s\n",
					p.Name, p.URL(), p.Binds, plural(p.Binds), p.Window, mpsText(p.MPS))
				return nil
			})
		}),
	}
	s.register(cmd, false)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the provider as JSON")
	return cmd
}

func (r *root) providerListCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List providers, the default, their routes and the binds of every running server process",
		Long: `List the providers, which is the default, how many numbers route to each,
and the state of every bind of every running server process (bound,
connecting or failed, since when, and the last error). A process that stopped
without unbinding drops out of the list within 30 seconds.`,
		Example: "  redcloud admin provider list\n  redcloud admin provider list --json",
		Args:    args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				ss, err := op.ListProviders(ctx)
				if err != nil {
					return err
				}
				if asJSON {
					out := make([]providerJSON, 0, len(ss))
					for _, s := range ss {
						out = append(out, newProviderJSON(s))
					}
					return printJSON(cmd.OutOrStdout(), out)
				}
				unrouted, err := op.UnroutedNumbers(ctx)
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				tw := table(w)
				fmt.Fprintln(tw, "NAME\tTYPE\tURL\tBINDS\tWINDOW\tMPS\tDEFAULT\tNUMBERS\tBINDS NOW")
				def := ""
				for _, s := range ss {
					url, binds, window, mps := "built in", "-", "-", "-"
					if !s.BuiltIn {
						url, binds, window, mps = s.URL(), strconv.Itoa(s.ProviderConfig.Binds), strconv.Itoa(s.Window), mpsText(s.MPS)
					}
					if s.Default {
						def = s.Name
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", s.Name, s.Type, url, binds, window, mps,
						yesNo(s.Default), s.Numbers, bindsText(s.Binds))
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				switch {
				case def != "":
					fmt.Fprintf(w, "\n%d assigned number%s without a route send through the default, %s.\n", unrouted, plural(unrouted), def)
				default:
					fmt.Fprintf(w, "\nNo default provider: %d assigned number%s without a route send through the sandbox in sandbox mode, and fail NO_ROUTE in production.\n", unrouted, plural(unrouted))
				}
				bound := false
				for _, s := range ss {
					bound = bound || len(s.Binds) > 0
				}
				if !bound {
					return nil
				}
				fmt.Fprintln(w)
				return printBinds(w, ss)
			})
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the providers as a JSON array")
	return cmd
}

func (r *root) providerShowCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "show NAME",
		Short:   "Show a provider: its settings (never its password), routes and binds",
		Example: "  redcloud admin provider show acme\n  redcloud admin provider show acme --json",
		Args:    args("NAME"),
		RunE: runE(func(cmd *cobra.Command, a []string) error {
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				s, err := op.ShowProvider(ctx, a[0])
				if err != nil {
					return fail(err, providerFlags)
				}
				if asJSON {
					return printJSON(cmd.OutOrStdout(), newProviderJSON(s))
				}
				return printProvider(cmd.OutOrStdout(), s)
			})
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the provider as JSON")
	return cmd
}

func (r *root) providerRemoveCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove an SMPP provider that no number routes to and that is not the default",
		Long: `Remove an SMPP provider. Running servers unbind it within 5 seconds. A
provider that numbers route to, or the default provider, is not removed:
route those numbers elsewhere, or set another default, first.`,
		Example: "  redcloud admin provider remove acme",
		Args:    args("NAME"),
		RunE: runE(func(cmd *cobra.Command, a []string) error {
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				err := op.RemoveProvider(ctx, a[0])
				if err != nil {
					return fail(advise(err, operator.ReasonProviderInUse, func(e *platform.Error) string {
						var how []string
						if n, _ := e.Details["numbers"].(int); n > 0 {
							how = append(how, "route its numbers elsewhere with `redcloud admin number route NUMBER PROVIDER` (or --clear)")
						}
						if d, _ := e.Details["default"].(bool); d {
							how = append(how, "set another default with `redcloud admin provider default NAME` (or --clear)")
						}
						return "; " + strings.Join(how, ", and ")
					}), providerFlags)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "provider %s removed\n", a[0])
				return nil
			})
		}),
	}
}

func (r *root) providerDefaultCmd() *cobra.Command {
	var clear, asJSON bool
	cmd := &cobra.Command{
		Use:   "default [NAME | --clear]",
		Short: "Show or set the provider of numbers without a route",
		Long: `With NAME, make it the default provider: numbers without a route of their
own send through it. --clear removes the default: such numbers then send
through the sandbox in sandbox mode, and fail NO_ROUTE in production.
Without arguments, show the default. Running servers apply it within 5
seconds.`,
		Example: "  redcloud admin provider default acme\n  redcloud admin provider default\n  redcloud admin provider default --clear",
		Args: func(cmd *cobra.Command, a []string) error {
			if len(a) > 1 {
				return usagef("usage: %s [NAME | --clear] (got %d arguments)", cmd.CommandPath(), len(a))
			}
			return nil
		},
		RunE: runE(func(cmd *cobra.Command, a []string) error {
			if clear && len(a) == 1 {
				return usagef("NAME and --clear conflict: give one of them")
			}
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				w := cmd.OutOrStdout()
				if len(a) == 0 && !clear {
					def, err := op.DefaultProvider(ctx)
					if err != nil {
						return err
					}
					if asJSON {
						var v *string
						if def != "" {
							v = &def
						}
						return printJSON(w, struct {
							Default *string `json:"default"`
						}{v})
					}
					if def == "" {
						fmt.Fprintln(w, "no default provider: numbers without a route send through the sandbox in sandbox mode, and fail NO_ROUTE in production")
						return nil
					}
					fmt.Fprintln(w, def)
					return nil
				}
				name := ""
				if len(a) == 1 {
					name = a[0]
				}
				prev, err := op.SetDefaultProvider(ctx, name)
				if err != nil {
					return fail(err, providerFlags)
				}
				switch {
				case name == "":
					fmt.Fprintf(w, "default provider cleared (was %s)\n", wasText(prev))
				default:
					fmt.Fprintf(w, "default provider is %s (was %s)\n", name, wasText(prev))
					if name == platform.SandboxProvider {
						fmt.Fprintln(cmd.ErrOrStderr(), sandboxNote)
					}
				}
				return nil
			})
		}),
	}
	cmd.Flags().BoolVar(&clear, "clear", false, "remove the default provider")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print {\"default\": NAME or null} (without NAME)")
	return cmd
}

func (r *root) numberRouteCmd() *cobra.Command {
	var clear bool
	cmd := &cobra.Command{
		Use:   "route NUMBER PROVIDER | route NUMBER --clear",
		Short: "Send a number's messages through a provider",
		Long: `Route a number (numberId or E.164) to a provider: its messages go through that
provider ("sandbox" is the built-in one). --clear removes the route: the
number then uses the default provider. Running servers apply it within 5
seconds; messages already queued use the route in force when they are sent.`,
		Example: "  redcloud admin number route num_01j… acme\n  redcloud admin number route +15125550100 sandbox\n  redcloud admin number route num_01j… --clear",
		Args: func(cmd *cobra.Command, a []string) error {
			switch {
			case clear && len(a) != 1:
				return usagef("usage: %s NUMBER --clear (got %d arguments)", cmd.CommandPath(), len(a))
			case !clear && len(a) != 2:
				return usagef("usage: %s NUMBER PROVIDER, or NUMBER --clear (got %d argument%s)", cmd.CommandPath(), len(a), plural(len(a)))
			}
			return nil
		},
		RunE: runE(func(cmd *cobra.Command, a []string) error {
			provider := ""
			if !clear {
				provider = a[1]
			}
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				n, prev, err := op.RouteNumber(ctx, a[0], provider)
				if err != nil {
					return fail(err, providerFlags)
				}
				w := cmd.OutOrStdout()
				if provider == "" {
					fmt.Fprintf(w, "number %s has no route now (was %s): it uses the default provider\n", numberName(n), wasText(prev))
					return nil
				}
				fmt.Fprintf(w, "number %s routes to %s (was %s)\n", numberName(n), provider, wasText(prev))
				if provider == platform.SandboxProvider {
					fmt.Fprintln(cmd.ErrOrStderr(), sandboxNote)
				}
				return nil
			})
		}),
	}
	cmd.Flags().BoolVar(&clear, "clear", false, "remove the number's route (it then uses the default provider)")
	return cmd
}
