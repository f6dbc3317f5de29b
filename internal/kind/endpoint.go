package kind

import "net/url"

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
