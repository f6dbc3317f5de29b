package kind

import (
	"net/url"
	"path/filepath"
	"strings"
)

// CheckEndpoint checks an optional endpoint URL at field and returns it
// parsed, or nil when it is empty or wrong. Messages never repeat the URL,
// which could hold a credential.
func CheckEndpoint(r Reporter, field, endpoint string) *url.URL {
	if endpoint == "" {
		return nil
	}
	const hint = "write a URL such as https://host:port, without credentials, query or fragment"
	u, err := url.Parse(endpoint)
	switch {
	case err != nil:
		r.Add(field, "is not a URL", hint)
		return nil
	case u.Scheme != "http" && u.Scheme != "https":
		r.Add(field, "must use http or https", hint)
		return nil
	case u.Host == "":
		r.Add(field, "has no host", hint)
		return nil
	case u.User != nil:
		r.Add(field, "must not carry credentials", "give credentials to the workers through a profile; "+hint)
		return nil
	case u.RawQuery != "" || u.Fragment != "":
		r.Add(field, "must not have a query or fragment", hint)
		return nil
	}
	return u
}

// CheckCAFile checks an optional CA bundle path at field, for the endpoint
// u (nil: the kind's default endpoint, which is HTTPS). The file itself is
// on the workers and is read when they open the store.
func CheckCAFile(r Reporter, field, caFile string, u *url.URL) {
	if caFile == "" {
		return
	}
	if !filepath.IsAbs(caFile) && !strings.HasPrefix(caFile, "~/") {
		r.Add(field, "must be an absolute path (or start with ~/)", "write the path of the CA bundle (PEM) as the workers see it")
	}
	if u != nil && u.Scheme == "http" {
		r.Add(field, "applies only to an https endpoint", "use https in the endpoint, or remove caFile")
	}
}
