package temporalconn

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Dial connects, checks the server's health and reads the namespace (which
// proves the credentials), all within c.Timeout, so that an unreachable
// server, a TLS mismatch or a refused credential is reported in seconds,
// naming the address and what to set.
func (c *Conn) Dial(ctx context.Context) (client.Client, error) {
	dctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	cl, err := client.DialContext(dctx, c.Options)
	if err == nil {
		if _, err = cl.CheckHealth(dctx, &client.CheckHealthRequest{}); err == nil {
			_, err = cl.WorkflowService().DescribeNamespace(dctx, &workflowservice.DescribeNamespaceRequest{Namespace: c.Namespace})
		}
		if err != nil {
			cl.Close()
		}
	}
	if err == nil {
		return cl, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return nil, c.explain(err)
}

// explain turns a dial error into an Error naming the address and what
// to set.
func (c *Conn) explain(err error) error {
	var nf *serviceerror.NamespaceNotFound
	var nf2 *serviceerror.NotFound
	if errors.As(err, &nf) || errors.As(err, &nf2) {
		return &Error{Kind: UnknownNamespace, err: fmt.Errorf("namespace %q does not exist at %s: %w; set it with --namespace or TEMPORAL_NAMESPACE", c.Namespace, c, err)}
	}
	switch code := status.Code(err); {
	case code == codes.PermissionDenied || code == codes.Unauthenticated || isAuthError(err):
		return &Error{Kind: Refused, err: fmt.Errorf("the Temporal server at %s refused this connection's credentials: %s; "+
			"give an API key the namespace accepts with TEMPORAL_API_KEY (or --api-key), or a client certificate with --tls-cert-path and --tls-key-path "+
			"(TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH), or a --profile that has them", c, refusal(err))}
	}
	return &Error{Kind: Unreachable, err: fmt.Errorf("cannot reach Temporal at %s within %s: %w\n%s", c, c.Timeout, err, c.hint(err))}
}

// isAuthError reports a refusal the SDK wrapped without its gRPC status.
func isAuthError(err error) bool {
	var pd *serviceerror.PermissionDenied
	return errors.As(err, &pd)
}

// refusal is the server's refusal with its reason.
func refusal(err error) string {
	var pd *serviceerror.PermissionDenied
	if errors.As(err, &pd) && pd.Reason != "" {
		return pd.Error() + " (" + pd.Reason + ")"
	}
	return err.Error()
}

// hint says what to set for a transport error.
func (c *Conn) hint(err error) string {
	msg := err.Error()
	closed := strings.Contains(msg, "server preface") || strings.Contains(msg, "connection reset") || strings.Contains(msg, "EOF") ||
		strings.Contains(msg, "broken pipe")
	switch {
	case strings.Contains(msg, "certificate required"), c.TLS && !c.ClientCert && closed:
		return "The server requires a client certificate it trusts: set --tls-cert-path and --tls-key-path (TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH)."
	case strings.Contains(msg, "bad certificate") || strings.Contains(msg, "unknown certificate authority"), c.TLS && closed:
		return "The server closed the TLS connection: it may not trust the client certificate given by --tls-cert-path (TEMPORAL_TLS_CLIENT_CERT_PATH); use one its CA signed."
	case strings.Contains(msg, "unknown authority") || strings.Contains(msg, "x509:"):
		return "The server's certificate is not trusted or does not match: set its CA with --tls-ca-path (TEMPORAL_TLS_SERVER_CA_CERT_PATH) or the name it holds with --tls-server-name."
	case strings.Contains(msg, "first record does not look like a TLS handshake"):
		return "The server does not speak TLS: turn TLS off with --tls=false (TEMPORAL_TLS=false), or check the address."
	case !c.TLS && closed:
		return "The server may require TLS: turn it on with --tls (TEMPORAL_TLS=true), and give its CA with --tls-ca-path."
	}
	return "Is the server running? Set the address with --address or TEMPORAL_ADDRESS, the namespace with --namespace or TEMPORAL_NAMESPACE, " +
		"TLS with --tls and --tls-cert-path/--tls-key-path/--tls-ca-path (TEMPORAL_TLS_*), an API key with TEMPORAL_API_KEY, " +
		"or a profile with --profile/TEMPORAL_PROFILE."
}
