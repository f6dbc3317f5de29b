package manifest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/ocimove/ocimove/internal/store"
)

// errNotManifest marks an object that does not decode as a manifest.
var errNotManifest = errors.New("not a manifest object")

// objectDecoder decodes one manifest object as a JSON stream: the header
// fields, then the entries one at a time, so that memory holds one entry
// and one read block, never the whole manifest.
type objectDecoder struct {
	key       string
	r         *objectReader
	dec       *json.Decoder
	hdr       Manifest // without entries
	inEntries bool
	done      bool
}

// openObject opens the manifest at key and decodes its header, up to the
// first entry.
func openObject(ctx context.Context, st store.Store, key string) (*objectDecoder, error) {
	r := newObjectReader(ctx, st, key)
	d, err := newDecoder(key, r)
	if d != nil {
		d.r = r
	}
	return d, err
}

// newDecoder decodes the manifest named key from r, up to its first entry.
func newDecoder(key string, r io.Reader) (*objectDecoder, error) {
	d := &objectDecoder{key: key, dec: json.NewDecoder(r)}
	tok, err := d.dec.Token()
	if err != nil {
		return nil, d.fail(err)
	}
	if tok != json.Delim('{') {
		return nil, fmt.Errorf("manifest: %s: %w: it does not start with an object", key, errNotManifest)
	}
	if err := d.fields(); err != nil {
		return nil, err
	}
	return d, nil
}

// fail wraps a decoding or reading error with the object's key.
func (d *objectDecoder) fail(err error) error {
	return fmt.Errorf("manifest: decode %s: %w", d.key, err)
}

// fields decodes header fields until the entries array opens or the
// object ends. Fields after the entries (none are written) are decoded
// too but come too late for the header.
func (d *objectDecoder) fields() error {
	hdr := map[string]json.RawMessage{}
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return d.fail(err)
		}
		name, _ := tok.(string)
		if name == "entries" {
			tok, err := d.dec.Token()
			if err != nil {
				return d.fail(err)
			}
			if tok == nil {
				continue // "entries": null
			}
			if tok != json.Delim('[') {
				return fmt.Errorf("manifest: %s: %w: entries is not an array", d.key, errNotManifest)
			}
			d.inEntries = true
			return d.setHeader(hdr)
		}
		var v json.RawMessage
		if err := d.dec.Decode(&v); err != nil {
			return d.fail(err)
		}
		hdr[name] = v
	}
	if _, err := d.dec.Token(); err != nil { // the closing '}'
		return d.fail(err)
	}
	d.done = true
	return d.setHeader(hdr)
}

func (d *objectDecoder) setHeader(fields map[string]json.RawMessage) error {
	if len(fields) == 0 {
		return nil
	}
	b, err := json.Marshal(fields)
	if err != nil {
		return d.fail(err)
	}
	var h Manifest
	if err := json.Unmarshal(b, &h); err != nil {
		return d.fail(err)
	}
	if d.hdr.Kind == "" {
		d.hdr = h
	}
	return nil
}

// next returns the next entry; ok is false after the last.
func (d *objectDecoder) next() (Entry, bool, error) {
	for !d.done {
		if !d.inEntries {
			if err := d.fields(); err != nil {
				return Entry{}, false, err
			}
			continue
		}
		if d.dec.More() {
			var e Entry
			if err := d.dec.Decode(&e); err != nil {
				return Entry{}, false, d.fail(err)
			}
			return e, true, nil
		}
		if _, err := d.dec.Token(); err != nil { // the closing ']'
			return Entry{}, false, d.fail(err)
		}
		d.inEntries = false
	}
	return Entry{}, false, nil
}
