package main

import (
	"crypto/rsa"

	"github.com/spf13/cobra"

	"github.com/ocimove/ocimove/internal/local/localoci"
)

func newOCICmd() *cobra.Command {
	var (
		addr, dir, region, namespace, credsDir string
		buckets                                []string
		tf                                     tlsFlags
	)
	cmd := &cobra.Command{
		Use:   "oci",
		Short: "Run the local OCI Object Storage endpoint",
		Long: `Run the local OCI Object Storage endpoint. With --write-credentials DIR, a
fresh API key and an OCI config file are written to DIR and only requests
signed with that key are accepted; without it, signatures are not checked.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := newLogger(cmd)
			cfg := localoci.Config{Namespace: namespace, Region: region, Dir: dir}
			tlsCfg, err := tf.config(addr, log)
			if err != nil {
				return err
			}
			cfg.TLS = tlsCfg
			if credsDir != "" {
				creds, err := localoci.WriteTestCredentials(credsDir, region)
				if err != nil {
					return err
				}
				cfg.PublicKeys = map[string]*rsa.PublicKey{creds.KeyID: creds.PublicKey}
				log.Info("wrote OCI credentials", "config", creds.ConfigPath, "profile", creds.Profile)
			}
			srv, err := localoci.New(cfg)
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
			log.Info("local OCI endpoint listening", "url", url, "region", region, "namespace", namespace,
				"dir", dir, "buckets", buckets, "auth", credsDir != "")
			return runUntilSignal(cmd.Context(), cmd, log, url, stop)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:9100", "listen address (port 0 picks a free one)")
	f.StringVar(&dir, "dir", "", "store objects under this directory (default: in memory)")
	f.StringVar(&region, "region", "us-ashburn-1", "region the endpoint serves")
	f.StringVar(&namespace, "namespace", "ocimove", "Object Storage namespace")
	tf.register(f)
	f.StringSliceVar(&buckets, "bucket", nil, "bucket to create at start (repeatable)")
	f.StringVar(&credsDir, "write-credentials", "", "write an OCI config and API key here and require signatures from it")
	return cmd
}
