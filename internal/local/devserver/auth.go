package devserver

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/server/common/authorization"

	"github.com/ocimove/ocimove/internal/temporalconn"
)

// Principal types of the claims apiKeyAuth maps.
const (
	principalInternal = "devserver-internal"
	principalAPIKey   = "api-key"
)

// apiKeyAuth is the claim mapper and the authorizer of a server with API
// keys: a call carrying "Authorization: Bearer <key>" with a configured
// key, or made by the server's own internal identity, is allowed with
// every role; any other call, except health checks, is refused with the
// reason.
type apiKeyAuth struct {
	keys [][sha256.Size]byte
	sec  *security
}

var (
	_ authorization.ClaimMapper                     = (*apiKeyAuth)(nil)
	_ authorization.ClaimMapperWithAuthInfoRequired = (*apiKeyAuth)(nil)
	_ authorization.Authorizer                      = (*apiKeyAuth)(nil)
)

// denial is the Claims extension of a caller that is refused.
type denial struct{ reason string }

func newAPIKeyAuth(keys []string, sec *security) *apiKeyAuth {
	a := &apiKeyAuth{sec: sec}
	for _, k := range keys {
		a.keys = append(a.keys, sha256.Sum256([]byte(k)))
	}
	return a
}

// AuthInfoRequired is false: GetClaims also sees callers with no
// credentials, so that their refusal can say why.
func (*apiKeyAuth) AuthInfoRequired() bool { return false }

// GetClaims maps the caller's credentials to claims.
func (a *apiKeyAuth) GetClaims(info *authorization.AuthInfo) (*authorization.Claims, error) {
	if info != nil && info.TLSConnection != nil && a.sec.isInternal(info.TLSConnection.State.VerifiedChains) {
		return &authorization.Claims{Subject: internalSubject, System: authorization.RoleAdmin, AuthType: principalInternal}, nil
	}
	token := ""
	if info != nil {
		token = info.AuthToken
	}
	if token == "" {
		return &authorization.Claims{Extensions: denial{"no API key was sent (Authorization: Bearer <key>)"}}, nil
	}
	scheme, key, ok := strings.Cut(token, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return &authorization.Claims{Extensions: denial{"the authorization header is not Bearer <API key>"}}, nil
	}
	key = strings.TrimSpace(key)
	sum := sha256.Sum256([]byte(key))
	match := 0
	for i := range a.keys {
		match |= subtle.ConstantTimeCompare(sum[:], a.keys[i][:])
	}
	if match != 1 {
		return &authorization.Claims{Extensions: denial{"the API key is not accepted by this server"}}, nil
	}
	return &authorization.Claims{Subject: "api-key:" + temporalconn.APIKeyID(key), System: authorization.RoleAdmin, AuthType: principalAPIKey}, nil
}

// Authorize allows health checks and callers with a role, and refuses
// the others with the reason their claims carry.
func (a *apiKeyAuth) Authorize(_ context.Context, claims *authorization.Claims, target *authorization.CallTarget) (authorization.Result, error) {
	if authorization.IsHealthCheckAPI(target.APIName) {
		return authorization.Result{Decision: authorization.DecisionAllow}, nil
	}
	if claims != nil && claims.System&authorization.RoleAdmin != 0 {
		return authorization.Result{Decision: authorization.DecisionAllow,
			Principal: &commonpb.Principal{Type: claims.AuthType, Name: claims.Subject}}, nil
	}
	reason := "no credentials"
	if claims != nil {
		if d, ok := claims.Extensions.(denial); ok {
			reason = d.reason
		}
	}
	return authorization.Result{Decision: authorization.DecisionDeny, Reason: reason}, nil
}
