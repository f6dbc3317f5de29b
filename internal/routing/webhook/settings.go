package webhook

import (
	"context"
	"fmt"

	"github.com/ocimove/ocimove/internal/kind"
	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/secret"
)

// Kind is the routing target kind of HMAC-signed webhooks in plans.
const Kind = "webhook"

// Settings are a plan's webhook target: kind "webhook".
type Settings struct {
	// URLRef refers to the webhook URL; a reference because URLs often
	// carry tokens. Required.
	URLRef secret.Ref `json:"urlRef,omitempty"`
	// SecretRef refers to the webhook's HMAC-SHA256 key. Required.
	SecretRef secret.Ref `json:"secretRef,omitempty"`
}

var _ routing.Settings = (*Settings)(nil)

// Kind implements routing.Settings.
func (s *Settings) Kind() string { return Kind }

// Normalize implements routing.Settings.
func (s *Settings) Normalize() {}

// Validate implements routing.Settings.
func (s *Settings) Validate(r kind.Reporter) {
	const hint = "write a reference: env:NAME, profile:NAME or file:/path"
	if s.URLRef == "" {
		r.Add("urlRef", "is required for a webhook target: it refers to the webhook URL", hint)
	}
	if s.SecretRef == "" {
		r.Add("secretRef", "is required for a webhook target: it refers to the HMAC-SHA256 key", hint)
	}
}

// Open implements routing.Settings.
func (s *Settings) Open(_ context.Context, env routing.Env) (routing.Target, error) {
	u, err := s.URLRef.Resolve(env.Lookup)
	if err != nil {
		return nil, fmt.Errorf("urlRef: %w", err)
	}
	key, err := s.SecretRef.Resolve(env.Lookup)
	if err != nil {
		return nil, fmt.Errorf("secretRef: %w", err)
	}
	return New(Config{URL: u, Secret: []byte(key)})
}

func init() {
	routing.Register(routing.Backend{Kind: Kind, New: func() routing.Settings { return &Settings{} }})
}
