package ocistore

import (
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"

	"github.com/ocimove/ocimove/internal/store"
)

// HTTP metadata travels in the standard headers (Content-Type,
// Content-Encoding, Content-Language, Content-Disposition, Cache-Control);
// user metadata travels as opc-meta-<name> headers, which the SDK exposes
// as the OpcMeta map without the prefix. S3's x-amz-meta-<name> maps to
// the same <name>, so store.Metadata.User moves unchanged between stores.
// Names are lower-cased: HTTP header names are case-insensitive and both
// services return them lower-case.

// userMeta returns the opc-meta-* map for a write, or nil if empty.
func userMeta(md store.Metadata) map[string]string {
	if len(md.User) == 0 {
		return nil
	}
	out := make(map[string]string, len(md.User))
	for k, v := range md.User {
		out[strings.ToLower(k)] = v
	}
	return out
}

// checkMetadata rejects metadata that cannot travel in HTTP headers.
func checkMetadata(md store.Metadata) error {
	for k, v := range md.User {
		if k == "" || strings.ContainsAny(k, " \t\r\n:") || !isASCII(k) {
			return fmt.Errorf("user metadata name %q is not a valid HTTP header token", k)
		}
		if strings.ContainsAny(v, "\r\n\x00") || !isASCII(v) {
			return fmt.Errorf("user metadata %q has a value that is not printable ASCII; escape it first", k)
		}
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x7f || (s[i] < 0x20 && s[i] != '\t') {
			return false
		}
	}
	return true
}

// metadataFrom assembles store.Metadata from response headers.
func metadataFrom(contentType, contentEncoding, contentLanguage, contentDisposition, cacheControl *string,
	user map[string]string) store.Metadata {
	md := store.Metadata{
		ContentType:        deref(contentType),
		ContentEncoding:    deref(contentEncoding),
		ContentLanguage:    deref(contentLanguage),
		ContentDisposition: deref(contentDisposition),
		CacheControl:       deref(cacheControl),
	}
	if len(user) > 0 {
		md.User = make(map[string]string, len(user))
		for k, v := range user {
			md.User[strings.ToLower(k)] = v
		}
	}
	return md
}

// parseTier maps a tier name, case-insensitively, to the SDK's enum.
func parseTier(name string) (objectstorage.StorageTierEnum, error) {
	if name == "" {
		return "", nil
	}
	t, ok := objectstorage.GetMappingStorageTierEnum(name)
	if !ok {
		return "", configError(fmt.Sprintf("storage tier %q is not an OCI storage tier", name),
			"use one of "+strings.Join(objectstorage.GetStorageTierEnumStringValues(), ", "))
	}
	return t, nil
}

// md5Base64 encodes a raw MD5 as the Content-MD5 header wants it.
func md5Base64(sum []byte) *string {
	if len(sum) == 0 {
		return nil
	}
	return common.String(base64.StdEncoding.EncodeToString(sum))
}

// plainMD5 decodes a base64 MD5 as OCI reports it for single-part
// objects. A multipart value ("...-N") or anything but 16 bytes gives nil.
func plainMD5(v *string) []byte {
	if v == nil || *v == "" || strings.Contains(*v, "-") {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(*v)
	if err != nil || len(b) != md5.Size {
		return nil
	}
	return b
}

// multipartMD5 is the value OCI reports as opc-multipart-md5 for parts
// with the given raw MD5s, in part-number order: the base64 MD5 of the
// concatenated part MD5s, then "-" and the number of parts.
func multipartMD5(partMD5s [][]byte) string {
	h := md5.New()
	for _, p := range partMD5s {
		h.Write(p)
	}
	return fmt.Sprintf("%s-%d", base64.StdEncoding.EncodeToString(h.Sum(nil)), len(partMD5s))
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func sdkTime(t *common.SDKTime) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.Time.UTC()
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
