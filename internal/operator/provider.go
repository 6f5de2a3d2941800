package operator

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// Defaults of an SMPP provider's settings: the admin command's flag
// defaults. ProviderInput takes them explicitly, so that a typed 0 is an
// error rather than a silent default.
const (
	DefaultBinds        = 1
	DefaultWindow       = 10
	DefaultEnquireLink  = 30 * time.Second
	DefaultDLRIDFormat  = "auto"
	DefaultDCS0         = "gsm"
	DefaultSegmentation = "udh"
)

// Allowed values of an SMPP provider's settings.
var (
	DLRIDFormats  = []string{"auto", "dec", "hex"}
	DCS0Values    = []string{"gsm", "latin1", "ascii"}
	Segmentations = []string{"udh", "sar", "payload"}
)

// Limits of an SMPP provider's settings.
const (
	MaxBinds           = 64
	MaxWindow          = 1000
	MinEnquireLink     = time.Second
	MaxEnquireLink     = time.Hour
	maxSystemID        = 15 // SMPP v3.4: a C-octet string of at most 16 octets
	maxSystemType      = 12 // 13 octets
	maxPassword        = 64
	maxProviderName    = 32
	exampleProviderURL = "smpp://SYSTEM_ID:PASSWORD@HOST:PORT"
)

// ReasonProviderInUse: a provider cannot be removed while numbers route to
// it or it is the default; details.numbers counts the numbers,
// details.someNumbers lists a few, details.default says whether it is the
// default.
const ReasonProviderInUse = "provider_in_use"

var (
	providerNameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
	envNameRE      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// ProviderInput is an SMPP provider to add.
type ProviderInput struct {
	// Name names the provider in routes, logs and metrics: a lower-case
	// letter, then up to 31 of a-z, 0-9, '_' and '-'; "sandbox" is taken.
	Name string
	// URL is smpp://SYSTEM_ID:PASSWORD@HOST:PORT, or smpps:// for TLS;
	// percent-encode '@', ':', '/', '?' and '#' in the password. Without a
	// password, PasswordEnv must name the variable that holds it.
	URL string
	// PasswordEnv names the environment variable each server process reads
	// the password from, instead of storing it in the database.
	PasswordEnv string
	// SystemType is the bind's system_type (optional, up to 12 characters).
	SystemType string
	// Binds is the number of binds per server process (1–64; admin default
	// 1), Window the submits in flight per bind (1–1000; default 10), MPS
	// the submits per second per provider and process (0: unlimited), and
	// EnquireLink the idle-link probe interval (1s–1h; default 30s).
	Binds       int
	Window      int
	MPS         float64
	EnquireLink time.Duration
	// DLRIDFormat is auto, dec or hex; DCS0 gsm, latin1 or ascii;
	// Segmentation udh, sar or payload.
	DLRIDFormat  string
	DCS0         string
	Segmentation string
}

// smppURL is a parsed provider URL.
type smppURL struct {
	host        string
	port        int
	tls         bool
	systemID    string
	password    string
	hasPassword bool
}

// parseProviderURL parses an smpp:// or smpps:// URL. Its errors never
// quote the URL: it holds a password.
func parseProviderURL(raw string) (smppURL, error) {
	var s smppURL
	if strings.TrimSpace(raw) == "" {
		return s, invalid("url", "url is required: %s (smpps:// for TLS)", exampleProviderURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return s, invalid("url", "url is not a valid URL (the URL is not shown: it holds a password); want %s and percent-encode '@', ':', '/', '?' and '#' in the password", exampleProviderURL)
	}
	switch {
	case u.Scheme == "smpp":
	case u.Scheme == "smpps":
		s.tls = true
	default:
		return s, invalid("url", "url must start with smpp:// (or smpps:// for TLS): %s", exampleProviderURL)
	}
	if u.Opaque != "" || u.Host == "" {
		return s, invalid("url", "url must be %s, with // after the scheme", exampleProviderURL)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.RawFragment != "" {
		return s, invalid("url", "url must end with the port: %s (percent-encode '/', '?' and '#' in the password)", exampleProviderURL)
	}
	if u.User == nil || u.User.Username() == "" {
		return s, invalid("url", "url names no system_id: %s", exampleProviderURL)
	}
	s.systemID = u.User.Username()
	if len(s.systemID) > maxSystemID || !printableASCII(s.systemID) {
		return s, invalid("url", "url system_id %q: at most %d printable ASCII characters without spaces (SMPP v3.4)", s.systemID, maxSystemID)
	}
	s.password, s.hasPassword = u.User.Password()
	if s.hasPassword && s.password == "" {
		s.hasPassword = false
	}
	if s.hasPassword && (len(s.password) > maxPassword || !printableASCII(s.password)) {
		return s, invalid("url", "url password: at most %d printable ASCII characters without spaces (not shown)", maxPassword)
	}
	s.host = u.Hostname()
	if s.host == "" {
		return s, invalid("url", "url names no host: %s", exampleProviderURL)
	}
	p := u.Port()
	if p == "" {
		return s, invalid("url", "url names no port: add the port the carrier gave, e.g. smpp://%s@%s:2775", s.systemID, s.host)
	}
	s.port, err = strconv.Atoi(p)
	if err != nil || s.port < 1 || s.port > 65535 {
		return s, invalid("url", "url port %q: want 1-65535", p)
	}
	return s, nil
}

// printableASCII reports whether s is printable ASCII without spaces.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// safeToShow matches what an error may quote of a mistyped name: a URL
// typed in its place (smpp://ID:PASSWORD@…) must not be.
var safeToShow = regexp.MustCompile(`^[A-Za-z0-9_.-]{0,64}$`)

// shown quotes s for an error message, unless it may hold a secret.
func shown(s string) string {
	if safeToShow.MatchString(s) {
		return strconv.Quote(s)
	}
	return "(not shown: it is not a name and may hold a password)"
}

// checkProviderName reports what is wrong with a provider's name.
func checkProviderName(name string) error {
	switch {
	case name == "":
		return invalid("name", "name is required: the provider's name, e.g. acme")
	case name == platform.SandboxProvider:
		return invalid("name", "name %q is the built-in sandbox provider; pick another name", name)
	case len(name) > maxProviderName || !providerNameRE.MatchString(name):
		return invalid("name", "name %s: a lower-case letter, then up to %d of a-z, 0-9, '_' and '-'", shown(name), maxProviderName-1)
	}
	return nil
}

// checkRouteName reports what is wrong with a provider name used in a
// route or as the default: like checkProviderName, but the sandbox is one.
func checkRouteName(name string) error {
	if name == platform.SandboxProvider {
		return nil
	}
	if err := checkProviderName(name); err != nil {
		return invalid("provider", "provider %s is not a provider name: a lower-case letter, then up to %d of a-z, 0-9, '_' and '-'", shown(name), maxProviderName-1)
	}
	return nil
}

// Validate reports what is wrong with the input, without the database.
func (in ProviderInput) Validate() error {
	_, err := in.config()
	return err
}

// config validates the input and returns the provider to store, without
// its times.
func (in ProviderInput) config() (platform.ProviderConfig, error) {
	if err := checkProviderName(in.Name); err != nil {
		return platform.ProviderConfig{}, err
	}
	u, err := parseProviderURL(in.URL)
	if err != nil {
		return platform.ProviderConfig{}, err
	}
	p := platform.ProviderConfig{
		Name: in.Name, Type: platform.ProviderTypeSMPP, Host: u.host, Port: u.port, TLS: u.tls, SystemID: u.systemID,
		PasswordEnv: in.PasswordEnv, SystemType: in.SystemType, Binds: in.Binds, Window: in.Window, MPS: in.MPS,
		EnquireLink: in.EnquireLink, DLRIDFormat: in.DLRIDFormat, DCS0: in.DCS0, Segmentation: in.Segmentation,
	}
	if u.hasPassword {
		p.Password = platform.Password(u.password)
	}
	if err := checkPasswordSource(u.hasPassword, in.PasswordEnv); err != nil {
		return platform.ProviderConfig{}, err
	}
	return p, checkSettings(p)
}

// checkPasswordSource wants the password in the URL or in an environment
// variable, not both.
func checkPasswordSource(inURL bool, env string) error {
	switch {
	case inURL && env != "":
		return invalid("passwordEnv", "passwordEnv and a password in the url conflict: give one of them")
	case !inURL && env == "":
		return invalid("url", "url has no password: give %s, or --password-env naming the environment variable that holds it", exampleProviderURL)
	case env != "" && (len(env) > 128 || !envNameRE.MatchString(env)):
		return invalid("passwordEnv", "passwordEnv %q is not an environment variable name (letters, digits and '_', not starting with a digit)", env)
	}
	return nil
}

// checkSettings checks the tuning settings of p.
func checkSettings(p platform.ProviderConfig) error {
	switch {
	case p.Binds < 1 || p.Binds > MaxBinds:
		return invalid("binds", "binds %d: want 1-%d binds per server process", p.Binds, MaxBinds)
	case p.Window < 1 || p.Window > MaxWindow:
		return invalid("window", "window %d: want 1-%d submits in flight per bind", p.Window, MaxWindow)
	case math.IsNaN(p.MPS) || math.IsInf(p.MPS, 0) || p.MPS < 0:
		return invalid("mps", "mps %v: want submits per second, 0 for unlimited", p.MPS)
	case p.EnquireLink < MinEnquireLink || p.EnquireLink > MaxEnquireLink:
		return invalid("enquireLink", "enquireLink %v: want %v to %v", p.EnquireLink, MinEnquireLink, MaxEnquireLink)
	case len(p.SystemType) > maxSystemType || (p.SystemType != "" && !printableASCII(p.SystemType)):
		return invalid("systemType", "systemType %q: at most %d printable ASCII characters without spaces", p.SystemType, maxSystemType)
	case !slices.Contains(DLRIDFormats, p.DLRIDFormat):
		return invalid("dlrIdFormat", "dlrIdFormat %q: want one of %s", p.DLRIDFormat, strings.Join(DLRIDFormats, ", "))
	case !slices.Contains(DCS0Values, p.DCS0):
		return invalid("dcs0", "dcs0 %q: want one of %s", p.DCS0, strings.Join(DCS0Values, ", "))
	case !slices.Contains(Segmentations, p.Segmentation):
		return invalid("segmentation", "segmentation %q: want one of %s", p.Segmentation, strings.Join(Segmentations, ", "))
	}
	return nil
}

// ProviderSummary is a provider with what uses it and how its binds are.
type ProviderSummary struct {
	platform.ProviderConfig
	// BuiltIn marks the sandbox provider, which is not stored.
	BuiltIn bool
	// Default says whether numbers without a route use it.
	Default bool
	// Numbers counts the numbers routed to it.
	Numbers int
	// Binds are the live binds of every running server process.
	Binds []platform.ProviderBind
}

// sandboxSummary is the built-in sandbox provider.
func sandboxSummary() ProviderSummary {
	return ProviderSummary{ProviderConfig: platform.ProviderConfig{Name: platform.SandboxProvider, Type: platform.ProviderTypeSandbox}, BuiltIn: true}
}

// AddProvider adds an SMPP provider. Running servers bind to it within
// seconds; numbers use it once routed to it or when it is the default.
func (o *Operator) AddProvider(ctx context.Context, in ProviderInput) (platform.ProviderConfig, error) {
	p, err := in.config()
	if err != nil {
		return p, err
	}
	p.CreatedAt = o.now()
	p.UpdatedAt = p.CreatedAt
	if err := o.db.InsertProvider(ctx, p); err != nil {
		if errors.Is(err, platform.ErrConflict) {
			return platform.ProviderConfig{}, conflict("", "provider %s already exists; change it with `provider set` or remove it first", p.Name)
		}
		return platform.ProviderConfig{}, err
	}
	return p, o.record(ctx, ActionProviderAdd, p.Name, nil, providerAudit(p))
}

// ProviderUpdate changes some settings of a provider; nil fields stay.
// A URL without a password keeps the provider's password (stored or from
// its variable); PasswordEnv replaces a stored password.
type ProviderUpdate struct {
	URL          *string
	PasswordEnv  *string
	SystemType   *string
	Binds        *int
	Window       *int
	MPS          *float64
	EnquireLink  *time.Duration
	DLRIDFormat  *string
	DCS0         *string
	Segmentation *string
}

// apply returns p with u applied, validated.
func (u ProviderUpdate) apply(p platform.ProviderConfig) (platform.ProviderConfig, error) {
	if u.URL != nil {
		s, err := parseProviderURL(*u.URL)
		if err != nil {
			return p, err
		}
		p.Host, p.Port, p.TLS, p.SystemID = s.host, s.port, s.tls, s.systemID
		if s.hasPassword {
			if u.PasswordEnv != nil && *u.PasswordEnv != "" {
				return p, checkPasswordSource(true, *u.PasswordEnv)
			}
			p.Password, p.PasswordEnv = platform.Password(s.password), ""
		}
	}
	if u.PasswordEnv != nil {
		if *u.PasswordEnv == "" {
			return p, invalid("passwordEnv", "passwordEnv is empty: to store the password instead, give it in the url")
		}
		if err := checkPasswordSource(false, *u.PasswordEnv); err != nil {
			return p, err
		}
		p.Password, p.PasswordEnv = "", *u.PasswordEnv
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&p.SystemType, u.SystemType)
	set(&p.DLRIDFormat, u.DLRIDFormat)
	set(&p.DCS0, u.DCS0)
	set(&p.Segmentation, u.Segmentation)
	if u.Binds != nil {
		p.Binds = *u.Binds
	}
	if u.Window != nil {
		p.Window = *u.Window
	}
	if u.MPS != nil {
		p.MPS = *u.MPS
	}
	if u.EnquireLink != nil {
		p.EnquireLink = *u.EnquireLink
	}
	return p, checkSettings(p)
}

// Empty reports whether the update changes nothing.
func (u ProviderUpdate) Empty() bool { return u == ProviderUpdate{} }

// Validate reports what is wrong with the update on its own, without the
// database; UpdateProvider checks it again against the provider.
func (u ProviderUpdate) Validate() error {
	base := platform.ProviderConfig{Binds: DefaultBinds, Window: DefaultWindow, EnquireLink: DefaultEnquireLink,
		DLRIDFormat: DefaultDLRIDFormat, DCS0: DefaultDCS0, Segmentation: DefaultSegmentation}
	_, err := u.apply(base)
	return err
}

// UpdateProvider changes a provider. Running servers rebind it with the
// new settings within seconds.
func (o *Operator) UpdateProvider(ctx context.Context, name string, u ProviderUpdate) (platform.ProviderConfig, error) {
	if name == platform.SandboxProvider {
		return platform.ProviderConfig{}, invalid("name", "the built-in sandbox provider has no settings to change")
	}
	if err := checkProviderName(name); err != nil {
		return platform.ProviderConfig{}, err
	}
	old, err := o.db.GetProvider(ctx, name)
	if err != nil {
		return platform.ProviderConfig{}, missing(err, "provider %s not found", name)
	}
	p, err := u.apply(old)
	if err != nil {
		return platform.ProviderConfig{}, err
	}
	p.UpdatedAt = o.now()
	if err := o.db.UpdateProvider(ctx, p); err != nil {
		return platform.ProviderConfig{}, missing(err, "provider %s not found", name)
	}
	return p, o.record(ctx, ActionProviderUpdate, name, providerAudit(old), providerAudit(p))
}

// ListProviders returns the built-in sandbox and every stored provider,
// by name, each with its routes and its live binds.
func (o *Operator) ListProviders(ctx context.Context) ([]ProviderSummary, error) {
	ps, err := o.db.ListProviders(ctx)
	if err != nil {
		return nil, err
	}
	def, err := o.db.DefaultProvider(ctx)
	if err != nil {
		return nil, err
	}
	routes, err := o.db.CountRoutes(ctx)
	if err != nil {
		return nil, err
	}
	binds, err := o.db.ListProviderBinds(ctx, o.now().Add(-platform.BindStaleAfter))
	if err != nil {
		return nil, err
	}
	out := []ProviderSummary{sandboxSummary()}
	for _, p := range ps {
		out = append(out, ProviderSummary{ProviderConfig: p})
	}
	slices.SortFunc(out, func(a, b ProviderSummary) int { return strings.Compare(a.Name, b.Name) })
	for i := range out {
		s := &out[i]
		s.Default, s.Numbers = s.Name == def, routes[s.Name]
		for _, b := range binds {
			if b.Provider == s.Name {
				s.Binds = append(s.Binds, b)
			}
		}
	}
	return out, nil
}

// ShowProvider returns one provider (the sandbox too) with its routes and
// its live binds.
func (o *Operator) ShowProvider(ctx context.Context, name string) (ProviderSummary, error) {
	if err := checkRouteName(name); err != nil {
		return ProviderSummary{}, err
	}
	all, err := o.ListProviders(ctx)
	if err != nil {
		return ProviderSummary{}, err
	}
	for _, s := range all {
		if s.Name == name {
			return s, nil
		}
	}
	return ProviderSummary{}, notFound("provider %s not found", name)
}

// RemoveProvider removes a provider; running servers unbind it within
// seconds. A provider that numbers route to, or the default, is a CONFLICT
// (ReasonProviderInUse) until they route elsewhere.
func (o *Operator) RemoveProvider(ctx context.Context, name string) error {
	if name == platform.SandboxProvider {
		return invalid("name", "the built-in sandbox provider cannot be removed")
	}
	if err := checkProviderName(name); err != nil {
		return err
	}
	err := o.db.DeleteProvider(ctx, name)
	var inUse *store.ProviderInUseError
	switch {
	case errors.As(err, &inUse):
		var why []string
		if inUse.Numbers > 0 {
			some := strings.Join(inUse.Some, ", ")
			if inUse.Numbers > len(inUse.Some) {
				some += ", …"
			}
			verb := "numbers route"
			if inUse.Numbers == 1 {
				verb = "number routes"
			}
			why = append(why, fmt.Sprintf("%d %s to it (%s)", inUse.Numbers, verb, some))
		}
		if inUse.Default {
			why = append(why, "it is the default provider")
		}
		return conflict(ReasonProviderInUse, "provider %s is in use: %s", name, strings.Join(why, ", and ")).
			With("numbers", inUse.Numbers).With("someNumbers", inUse.Some).With("default", inUse.Default)
	case err != nil:
		return missing(err, "provider %s not found", name)
	}
	return o.record(ctx, ActionProviderRemove, name, nil, nil)
}

// UnroutedNumbers counts the numbers assigned to an API client that have
// no route: they send through the default provider (or, with none, the
// sandbox in sandbox mode; in production they fail NO_ROUTE).
func (o *Operator) UnroutedNumbers(ctx context.Context) (int, error) {
	counts, err := o.db.CountRoutes(ctx)
	return counts[""], err
}

// SetDefaultProvider makes name the provider of numbers without a route
// ("" clears it) and returns the previous default ("" for none).
func (o *Operator) SetDefaultProvider(ctx context.Context, name string) (string, error) {
	if name != "" {
		if err := checkRouteName(name); err != nil {
			return "", err
		}
	}
	prev, err := o.db.DefaultProvider(ctx)
	if err != nil {
		return "", err
	}
	if err := o.db.SetDefaultProvider(ctx, name); err != nil {
		return "", missing(err, "provider %s not found (see `provider list`)", name)
	}
	return prev, o.record(ctx, ActionProviderDefault, "default", map[string]string{"provider": prev}, map[string]string{"provider": name})
}

// DefaultProvider returns the default provider, "" when none is set.
func (o *Operator) DefaultProvider(ctx context.Context) (string, error) {
	return o.db.DefaultProvider(ctx)
}

// RouteNumber sends a number's messages (by numberId or E.164) through
// provider; "" removes its route, so that the default applies. It returns
// the number and its previous route ("" for none).
func (o *Operator) RouteNumber(ctx context.Context, ref, provider string) (platform.Number, string, error) {
	if provider != "" {
		if err := checkRouteName(provider); err != nil {
			return platform.Number{}, "", err
		}
	}
	n, err := o.GetNumber(ctx, ref)
	if err != nil {
		return platform.Number{}, "", err
	}
	if provider != "" && provider != platform.SandboxProvider {
		if _, err := o.db.GetProvider(ctx, provider); err != nil {
			return platform.Number{}, "", missing(err, "provider %s not found (see `provider list`)", provider)
		}
	}
	prev, err := o.db.NumberRoute(ctx, n.ID)
	if err != nil {
		return platform.Number{}, "", missing(err, "number %s not found", ref)
	}
	if err := o.db.RouteNumber(ctx, n.ID, provider); err != nil {
		// The provider or the number was removed meanwhile.
		return platform.Number{}, "", missing(err, "provider %s or number %s no longer exists", provider, n.ID)
	}
	return n, prev, o.record(ctx, ActionNumberRoute, n.ID, map[string]string{"provider": prev}, map[string]string{"provider": provider})
}

// providerAudit is a provider's settings as the audit log records them:
// everything but the password, which it says only where it comes from.
func providerAudit(p platform.ProviderConfig) map[string]any {
	source := "database"
	if p.PasswordEnv != "" {
		source = "environment " + p.PasswordEnv
	}
	return map[string]any{"name": p.Name, "host": p.Host, "port": p.Port, "tls": p.TLS, "systemId": p.SystemID,
		"passwordSource": source, "systemType": p.SystemType, "binds": p.Binds, "window": p.Window, "mps": p.MPS,
		"enquireLink": p.EnquireLink.String(), "dlrIdFormat": p.DLRIDFormat, "dcs0": p.DCS0, "segmentation": p.Segmentation}
}
