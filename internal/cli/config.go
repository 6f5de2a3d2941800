package cli

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud"
)

// Defaults of the integrator's commands: the local sandbox that
// `redcloud serve` starts, and its documented demo client and number, so
// that `redcloud send --to +15551234567 --text hi` works right after it.
const (
	defaultBaseURL      = redcloud.DefaultBaseURL
	defaultClientID     = redcloud.SandboxClientID
	defaultClientSecret = redcloud.SandboxClientSecret
	defaultNumberID     = redcloud.SandboxNumberID
)

// setting is one configuration value and where it came from: "flag
// --name", "env NAME" or "default".
type setting struct {
	value  string
	source string
}

// options are the flags every integrator command shares: the connection
// (flags win over the environment, which wins over the defaults) and the
// output switches.
type options struct {
	// The connection flags' values; resolve them with setting.
	baseURL, clientID, clientSecret, numberID string

	json     bool // --json
	escalate bool // --escalate
	verbose  bool // --verbose

	cmd        *cobra.Command // the command being run, for its flags and writers
	warnedHTTP bool           // the plain-http warning was printed
}

// connFlags are the connection flags and their environment variables,
// the names the documentation uses.
var connFlags = []struct{ flag, env, def, usage string }{
	{"base-url", "BASE_URL", defaultBaseURL, "API base URL"},
	{"client-id", "RC_CLIENT_ID", defaultClientID, "API client id"},
	{"client-secret", "RC_CLIENT_SECRET", defaultClientSecret, "API client secret (prefer the variable: flags show in process lists)"},
	{"number-id", "RC_NUMBER_ID", defaultNumberID, "numberId to send from, as listed by: redcloud numbers"},
}

// addFlags registers the shared flags on cmd (persistent, so that
// subcommands such as `numbers search` have them too) and makes flag errors
// usage errors (exit code 2).
func addFlags(cmd *cobra.Command, o *options) {
	f := cmd.PersistentFlags()
	targets := []*string{&o.baseURL, &o.clientID, &o.clientSecret, &o.numberID}
	for i, c := range connFlags {
		f.StringVar(targets[i], c.flag, "", c.usage+" (env "+c.env+"; default "+shownDefault(c.flag, c.def)+")")
	}
	f.BoolVar(&o.json, "json", false, "print JSON for scripts instead of human output")
	f.BoolVar(&o.escalate, "escalate", false, "on a failure, also print the escalation package for support")
	f.BoolVar(&o.verbose, "verbose", false, "log every HTTP attempt of the client to stderr (never a secret or a token)")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usage(err) })
}

// shownDefault is the default as the help shows it: never the secret.
func shownDefault(flag, def string) string {
	if flag == "client-secret" {
		return "the sandbox demo secret"
	}
	return def
}

// wrap returns a RunE that remembers the command on o before running fn.
func wrap(o *options, fn func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		o.cmd = cmd
		return fn(cmd, args)
	}
}

// setting resolves one connection flag: the flag if given, else its
// environment variable if set and not empty, else the default.
func (o *options) setting(flag string) setting {
	for _, c := range connFlags {
		if c.flag != flag {
			continue
		}
		if o.cmd != nil {
			if f := o.cmd.Flags().Lookup(flag); f != nil && f.Changed {
				return setting{value: f.Value.String(), source: "flag --" + flag}
			}
		}
		if v := os.Getenv(c.env); v != "" {
			return setting{value: v, source: "env " + c.env}
		}
		return setting{value: c.def, source: "default"}
	}
	panic("cli: unknown connection flag " + flag)
}

// base is the resolved base URL.
func (o *options) base() string { return o.setting("base-url").value }

// id is the resolved API client id.
func (o *options) id() string { return o.setting("client-id").value }

// secret is the resolved client secret; it is only ever given to the client.
func (o *options) secret() string { return o.setting("client-secret").value }

// number is the resolved numberId that sends use.
func (o *options) number() string { return o.setting("number-id").value }

// config returns the client configuration of the resolved settings.
// hc, when not nil, replaces the client's HTTP client (the drills inject
// faults with it).
func (o *options) config(hc *http.Client) redcloud.Config {
	cfg := redcloud.Config{
		BaseURL:      o.base(),
		ClientID:     o.id(),
		ClientSecret: o.secret(),
		HTTPClient:   hc,
		UserAgent:    "redcloud-cli/1",
	}
	if o.verbose && o.cmd != nil {
		cfg.Logger = slog.New(slog.NewTextHandler(o.cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return cfg
}

// client returns a client of the resolved settings. A configuration the
// client refuses (a base URL that is not an absolute http URL, an empty
// id) is a usage error.
func (o *options) client() (*redcloud.Client, error) {
	return o.clientWith(nil)
}

// clientWith is client with hc as its HTTP client.
func (o *options) clientWith(hc *http.Client) (*redcloud.Client, error) {
	if o.cmd != nil && redcloud.PlainHTTPToRemote(o.base()) && !o.warnedHTTP {
		o.warnedHTTP = true
		fmt.Fprintf(o.cmd.ErrOrStderr(), "warning: %s is plain http:// to a host that is not loopback: the client secret and tokens cross the network unencrypted; use https://\n", o.base())
	}
	c, err := redcloud.NewClient(o.config(hc))
	if err != nil {
		var ve *redcloud.ValidationError
		if errors.As(err, &ve) {
			return nil, usagef("configuration: %s %s (check --base-url/BASE_URL, --client-id/RC_CLIENT_ID, --client-secret/RC_CLIENT_SECRET)", ve.Field, ve.Message)
		}
		return nil, usage(err)
	}
	return c, nil
}

// httpClient is an HTTP client like the client's default (a timeout per
// attempt, redirects not followed) whose transport is rt.
func httpClient(rt http.RoundTripper) *http.Client {
	return &http.Client{
		Transport:     rt,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
