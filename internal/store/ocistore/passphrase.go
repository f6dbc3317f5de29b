package ocistore

import (
	"fmt"
	"os"
)

// resolvePassphrase returns the key passphrase cfg refers to ("" when it
// refers to none). Errors name the reference, never the passphrase.
func resolvePassphrase(cfg Config) (string, error) {
	if !cfg.PassphraseRef.IsZero() {
		lookup := cfg.Lookup
		if lookup == nil {
			lookup = os.LookupEnv
		}
		v, err := cfg.PassphraseRef.Resolve(lookup)
		if err != nil {
			return "", configError(fmt.Sprintf("the key passphrase (PassphraseRef): %v", err),
				"give the workers the passphrase the reference names, or set pass_phrase in the profile")
		}
		return v, nil
	}
	if cfg.PassphraseEnv == "" {
		return "", nil
	}
	v, ok := os.LookupEnv(cfg.PassphraseEnv)
	if !ok || v == "" {
		return "", configError(
			fmt.Sprintf("environment variable %s (PassphraseEnv) is not set", cfg.PassphraseEnv),
			"export it with the key file's passphrase, or set pass_phrase in the profile")
	}
	return v, nil
}
