package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// rcloneArgs are the flags of `rclone copy --checksum`, matched to the
// engine's settings for set: transfers and checkers = Concurrency, chunk
// size and upload cutoff = PartSize (the engine uploads objects above
// PartSize in parts of PartSize), upload concurrency and multi-thread
// streams = PartConcurrency.
func rcloneArgs(set Set, dstBucket string) []string {
	c := strconv.Itoa(set.Concurrency)
	pc := strconv.Itoa(set.PartConcurrency)
	ps := strconv.FormatInt(set.PartSize, 10)
	return []string{
		"copy", "--checksum",
		"src:" + srcBucket, "dst:" + dstBucket,
		"--transfers", c, "--checkers", c,
		"--oos-chunk-size", ps, "--oos-upload-cutoff", ps, "--oos-upload-concurrency", pc,
		"--s3-chunk-size", ps, "--s3-upload-concurrency", pc,
		"--multi-thread-streams", pc,
		"--oos-no-check-bucket", "--s3-no-check-bucket",
		"--retries", "1", "--low-level-retries", "10",
		"--log-level", "ERROR", "--stats", "0",
	}
}

// rcloneEnv configures the remotes "src" (s3) and "dst"
// (oracleobjectstorage) on the local endpoints, with an empty config file
// of its own so that the user's rclone.conf is never read.
func rcloneEnv(ep *Endpoints, workDir string) ([]string, error) {
	conf := filepath.Join(workDir, "rclone.conf")
	if err := os.WriteFile(conf, nil, 0o600); err != nil {
		return nil, fmt.Errorf("write empty rclone config: %w", err)
	}
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RCLONE_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"RCLONE_CONFIG="+conf,
		"RCLONE_CONFIG_SRC_TYPE=s3",
		"RCLONE_CONFIG_SRC_PROVIDER=Other",
		"RCLONE_CONFIG_SRC_ENDPOINT="+ep.S3URL,
		"RCLONE_CONFIG_SRC_ACCESS_KEY_ID="+s3AccessKey,
		"RCLONE_CONFIG_SRC_SECRET_ACCESS_KEY="+ep.S3Secret,
		"RCLONE_CONFIG_SRC_REGION="+s3Region,
		"RCLONE_CONFIG_SRC_FORCE_PATH_STYLE=true",
		"RCLONE_CONFIG_DST_TYPE=oracleobjectstorage",
		"RCLONE_CONFIG_DST_PROVIDER=user_principal_auth",
		"RCLONE_CONFIG_DST_CONFIG_FILE="+ep.OCIConfig,
		"RCLONE_CONFIG_DST_CONFIG_PROFILE="+ep.OCIProfile,
		"RCLONE_CONFIG_DST_ENDPOINT="+ep.OCIURL,
		"RCLONE_CONFIG_DST_NAMESPACE="+ociNamespace,
		"RCLONE_CONFIG_DST_REGION="+ociRegion,
	), nil
}

// rcloneVersion returns the first line of `rclone version`.
func rcloneVersion(ctx context.Context, bin string) (string, error) {
	out, err := exec.CommandContext(ctx, bin, "version").Output()
	if err != nil {
		return "", fmt.Errorf("run %s version (install with: go install github.com/rclone/rclone@v1.76.0): %w", bin, err)
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line), nil
}
