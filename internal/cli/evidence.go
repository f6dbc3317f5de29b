package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/ocimove/ocimove/internal/evidence"
)

// verifyResult is the -o json document of verify-evidence. A bundle that
// does not verify is an answer too: the document names the first bad
// file, and the command exits 1.
type verifyResult struct {
	Bundle   string `json:"bundle"`
	Verified bool   `json:"verified"`
	// KeyID identifies the public key checked against.
	KeyID        string `json:"keyId"`
	FirstBadFile string `json:"firstBadFile,omitempty"`
	Problem      string `json:"problem,omitempty"`
}

func (a *app) verifyEvidenceCommand() *cobra.Command {
	var pubkey string
	cmd := &cobra.Command{
		Use:   "verify-evidence BUNDLE",
		Short: "Check an evidence bundle's ed25519 signature and every file's hash, offline",
		Long: `verify-evidence checks a signed evidence bundle (a directory) against the
operator's public key, offline: no Temporal and no cloud access. It names the
first file that does not verify and exits 1.`,
		Args: exactArgs("BUNDLE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if pubkey == "" {
				return usageErrorf("--pubkey is required: the ed25519 public key the bundle was signed for")
			}
			pub, err := evidence.LoadPublicKey(pubkey)
			if err != nil {
				return usageError(err)
			}
			res := verifyResult{Bundle: args[0], KeyID: evidence.KeyID(pub)}
			err = evidence.Verify(args[0], pub)
			var ve *evidence.VerifyError
			switch {
			case errors.As(err, &ve):
				res.FirstBadFile, res.Problem = ve.File, ve.Problem
				if a.json() {
					if err := writeJSON(a.out, res); err != nil {
						return err
					}
				}
				return failedf("%s does not verify: first bad file %s: %s", args[0], ve.File, ve.Problem)
			case err != nil:
				return usageError(err)
			}
			res.Verified = true
			return a.emit(res, func(w io.Writer) {
				fmt.Fprintf(w, "%s: signature and every file verify (key %s)\n", args[0], res.KeyID)
			})
		},
	}
	cmd.Flags().StringVar(&pubkey, "pubkey", "", "ed25519 public key file (PEM, raw 32 bytes or 64 hex digits)")
	a.outputFlag(cmd)
	return cmd
}
