package ocistore

import (
	"crypto/rsa"
	"sync"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
)

// keyCacheTTL is how long a config file's key is reused before it is read
// again, so that a rotated key is picked up without a restart.
const keyCacheTTL = 5 * time.Minute

// cachedKeyProvider keeps the key id and parsed private key of a config
// file provider. The SDK's file provider reads and parses the PEM file on
// every request, which costs more CPU than signing the request itself.
type cachedKeyProvider struct {
	common.ConfigurationProvider

	mu      sync.Mutex
	keyID   string
	key     *rsa.PrivateKey
	fetched time.Time
}

func (c *cachedKeyProvider) load() (string, *rsa.PrivateKey, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key != nil && time.Since(c.fetched) < keyCacheTTL {
		return c.keyID, c.key, nil
	}
	id, err := c.ConfigurationProvider.KeyID()
	if err != nil {
		return "", nil, err
	}
	key, err := c.ConfigurationProvider.PrivateRSAKey()
	if err != nil {
		return "", nil, err
	}
	c.keyID, c.key, c.fetched = id, key, time.Now()
	return id, key, nil
}

// KeyID implements common.KeyProvider.
func (c *cachedKeyProvider) KeyID() (string, error) {
	id, _, err := c.load()
	return id, err
}

// PrivateRSAKey implements common.KeyProvider.
func (c *cachedKeyProvider) PrivateRSAKey() (*rsa.PrivateKey, error) {
	_, key, err := c.load()
	return key, err
}
