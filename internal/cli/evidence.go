package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ocimove/ocimove/internal/evidence"
)

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
			err = evidence.Verify(args[0], pub)
			var ve *evidence.VerifyError
			switch {
			case errors.As(err, &ve):
				return failedf("%s does not verify: first bad file %s: %s", args[0], ve.File, ve.Problem)
			case err != nil:
				return usageError(err)
			}
			fmt.Fprintf(a.out, "%s: signature and every file verify (key %s)\n", args[0], evidence.KeyID(pub))
			return nil
		},
	}
	cmd.Flags().StringVar(&pubkey, "pubkey", "", "ed25519 public key file (PEM, raw 32 bytes or 64 hex digits)")
	return cmd
}
