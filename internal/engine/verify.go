package engine

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/ocimove/ocimove/internal/observe"
	"github.com/ocimove/ocimove/internal/store"
)

// Mode is a verification mode.
type Mode string

// Verification modes.
const (
	// Quick compares size and the checksums recorded at write time. It is
	// cheap, and blind to corruption at rest.
	Quick Mode = "quick"
	// Full re-reads the destination object and hashes it.
	Full Mode = "full"
)

// Check is the verification of one manifest entry at the destination.
type Check struct {
	Key      string      `json:"key"`
	Mode     Mode        `json:"mode"`
	OK       bool        `json:"ok"`
	Problem  string      `json:"problem,omitempty"` // why it is not OK
	Missing  bool        `json:"missing,omitempty"` // the object is not at the destination
	SHA256   string      `json:"sha256,omitempty"`  // full mode: what the destination hashed to
	Class    store.Class `json:"class,omitempty"`   // set when the check itself failed (not a mismatch)
	Checksum string      `json:"checksum,omitempty"`
}

// Verifiable reports whether a record describes an object that should be
// at the destination.
func (r Result) Verifiable() bool { return r.Outcome == Copied || r.Outcome == Skipped }

// Verify checks one record against the destination. A mismatch is
// reported, never counted as verified.
func (e *Engine) Verify(ctx context.Context, dst store.Store, r Result, mode Mode) Check {
	c := Check{Key: r.Key, Mode: mode}
	fail := func(problem string) Check {
		c.Problem = problem
		e.obs.Observe(observe.Event{Kind: observe.Mismatch, Stage: "verify", Store: dst.String(), Key: r.Key, Err: fmt.Errorf("%s", problem)})
		e.obs.Observe(observe.Event{Kind: observe.Verified, Store: dst.String(), Key: r.Key, Outcome: "mismatch", Method: string(mode)})
		return c
	}
	errored := func(err error) Check {
		c.Problem, c.Class = err.Error(), store.ClassOf(err)
		return c
	}
	if err := e.limit.Request(ctx); err != nil {
		return errored(err)
	}
	var (
		cur store.ObjectInfo
		err error
		got string
	)
	if mode == Full {
		cur, got, err = e.hashObject(ctx, dst, r.Key)
	} else {
		cur, err = dst.Head(ctx, r.Key)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.Missing = true
		return fail("missing at the destination")
	case errors.Is(err, store.ErrChecksumMismatch):
		// The store's own checksum caught the corruption before we did.
		return fail("stored object does not match its checksum: " + err.Error())
	case err != nil:
		return errored(err)
	case cur.Size != r.Size:
		return fail(fmt.Sprintf("size %d, expected %d", cur.Size, r.Size))
	}
	if mode == Full {
		c.SHA256 = got
		switch {
		case r.SHA256 == "":
			return fail("no SHA-256 was recorded at copy time to compare with")
		case got != r.SHA256:
			return fail(fmt.Sprintf("SHA-256 %s, expected %s", got, r.SHA256))
		}
		c.Checksum = "sha256"
	} else {
		problem, checked := quickCompare(cur, r)
		switch {
		case problem != "":
			return fail(problem)
		case !checked:
			return fail("no checksum recorded at write time to compare with")
		}
		c.Checksum = "size+etag"
	}
	c.OK = true
	e.obs.Observe(observe.Event{Kind: observe.Verified, Store: dst.String(), Key: r.Key, Outcome: "ok", Method: string(mode)})
	return c
}

// quickCompare compares what the destination reports of an object (from
// a HEAD or a listing) with the record written at copy time: the ETag, the
// MD5 and the SHA-256 metadata, where both sides have them. checked is
// false when no checksum could be compared; problem names a mismatch.
func quickCompare(cur store.ObjectInfo, r Result) (problem string, checked bool) {
	if cur.Size != r.Size {
		return fmt.Sprintf("size %d, expected %d", cur.Size, r.Size), true
	}
	if r.DestETag != "" {
		if cur.ETag != r.DestETag {
			return fmt.Sprintf("ETag %s, recorded %s at write time", cur.ETag, r.DestETag), true
		}
		checked = true
	}
	if len(cur.ContentMD5) > 0 && r.MD5 != "" {
		if h := hex.EncodeToString(cur.ContentMD5); h != r.MD5 {
			return fmt.Sprintf("MD5 %s, expected %s", h, r.MD5), true
		}
		checked = true
	}
	if s := cur.Metadata.User[store.MetaSHA256]; s != "" && r.SHA256 != "" {
		if s != r.SHA256 {
			return fmt.Sprintf("recorded SHA-256 %s, expected %s", s, r.SHA256), true
		}
		checked = true
	}
	return "", checked
}

// hashObject streams an object and returns its info and hex SHA-256.
func (e *Engine) hashObject(ctx context.Context, s store.Store, key string) (store.ObjectInfo, string, error) {
	info, h, err := e.hashStream(ctx, s, key, store.GetOptions{})
	if err != nil {
		return info, "", err
	}
	return info, hex.EncodeToString(h.SHA256()), nil
}

// hashStream streams an object through a buffer of the pool and the byte
// limiter and returns its info, with Size the bytes read, and the hasher
// that saw them.
func (e *Engine) hashStream(ctx context.Context, s store.Store, key string, opts store.GetOptions) (store.ObjectInfo, *Hasher, error) {
	rc, info, err := s.Get(ctx, key, opts)
	if err != nil {
		return info, nil, err
	}
	defer rc.Close()
	h := NewHasher()
	buf, err := e.pool.Get(ctx, 256<<10)
	if err != nil {
		return info, nil, err
	}
	defer e.pool.Put(buf)
	n, err := io.CopyBuffer(h, &limitedReader{ctx: ctx, r: rc, l: e.limit}, buf)
	if err != nil {
		return info, nil, &store.Error{Store: s.String(), Op: "get", Key: key, Class: store.Retryable, Err: fmt.Errorf("read body: %w", err)}
	}
	info.Size = n
	return info, h, nil
}

// VerifyBatch verifies every verifiable record with bounded concurrency and
// returns one Check per record, in order (records that are not verifiable
// get a zero Check with OK false and no Problem).
func (e *Engine) VerifyBatch(ctx context.Context, dst store.Store, recs []Result, mode Mode) []Check {
	out := make([]Check, len(recs))
	var listed map[string]store.ObjectInfo
	if mode == Quick {
		listed = e.verifyIndex(ctx, dst, recs)
	}
	sem := make(chan struct{}, e.cfg.Concurrency)
	var wg sync.WaitGroup
	for i, r := range recs {
		if !r.Verifiable() {
			out[i] = Check{Key: r.Key, Mode: mode}
			continue
		}
		if cur, ok := listed[r.Key]; ok {
			if c, ok := e.verifyListed(dst, r, cur); ok {
				out[i] = c
				continue
			}
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i] = e.Verify(ctx, dst, r, mode)
		}()
	}
	wg.Wait()
	return out
}
