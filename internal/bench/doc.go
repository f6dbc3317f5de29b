// Package bench measures the copy engine against rclone on the project's
// local S3 and OCI Object Storage endpoints, each running as its own
// process: it seeds a source bucket, runs the engine (in a child process, so
// its peak RSS is its own) and `rclone copy --checksum` with matched
// settings into fresh destination buckets, verifies both destinations, and
// reports throughput, peak RSS and the benchmark targets as a markdown
// table. cmd/bench is its command line.
package bench
