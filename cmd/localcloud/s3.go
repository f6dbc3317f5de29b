package main

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/ocimove/ocimove/internal/local/locals3"
)

func newS3Cmd() *cobra.Command {
	var (
		addr, dir, region, accessKey, secretKey string
		buckets                                 []string
		tf                                      tlsFlags
	)
	cmd := &cobra.Command{
		Use:   "s3",
		Short: "Run the local S3-compatible endpoint (path-style, SigV4)",
		Long: `Run the local S3-compatible endpoint. With --access-key and --secret-key,
every request must carry a valid AWS SigV4 signature for that key and
--region; without them, unsigned requests are accepted. The secret may also
come from LOCALCLOUD_S3_SECRET_KEY so it stays out of the process list.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := newLogger(cmd)
			if secretKey == "" {
				secretKey = os.Getenv("LOCALCLOUD_S3_SECRET_KEY")
			}
			if (accessKey == "") != (secretKey == "") {
				return errors.New("set both --access-key and --secret-key (or LOCALCLOUD_S3_SECRET_KEY), or neither")
			}
			cfg := locals3.Config{Region: region, Dir: dir, Logger: log}
			tlsCfg, err := tf.config(addr, log)
			if err != nil {
				return err
			}
			cfg.TLS = tlsCfg
			if accessKey != "" {
				cfg.Credentials = map[string]string{accessKey: secretKey}
			}
			srv, err := locals3.New(cfg)
			if err != nil {
				return err
			}
			for _, b := range buckets {
				if err := srv.CreateBucket(b); err != nil {
					return err
				}
			}
			url, stop, err := srv.Serve(addr)
			if err != nil {
				return err
			}
			log.Info("local S3 endpoint listening", "url", url, "region", srv.Region(), "dir", dir,
				"buckets", buckets, "auth", accessKey != "")
			return runUntilSignal(cmd.Context(), cmd, log, url, stop)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:9000", "listen address (port 0 picks a free one)")
	f.StringVar(&dir, "dir", "", "store objects under this directory (default: in memory)")
	f.StringVar(&region, "region", "us-east-1", "region reported in x-amz-bucket-region and expected in signatures")
	f.StringVar(&accessKey, "access-key", "", "access key id clients must sign with")
	f.StringVar(&secretKey, "secret-key", "", "secret for --access-key (or LOCALCLOUD_S3_SECRET_KEY)")
	tf.register(f)
	f.StringSliceVar(&buckets, "bucket", nil, "bucket to create at start (repeatable)")
	return cmd
}
