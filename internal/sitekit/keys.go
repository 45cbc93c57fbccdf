package sitekit

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"time"
)

// HashKey is the hex SHA-256 of a full buyer key: what CMP sends in
// Key.Hash, so the runtime can check keys without ever holding one.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// activeKey is a Key parsed for checking requests.
type activeKey struct {
	id        string
	scopes    []string
	expiresAt time.Time // zero: never
	origins   []string  // normalised; empty: any
}

// parseKeySet validates a key set and indexes it by hash.
func parseKeySet(ks KeySet) (map[string]activeKey, error) {
	out := make(map[string]activeKey, len(ks.Keys))
	ids := make(map[string]bool, len(ks.Keys))
	for i, k := range ks.Keys {
		if k.ID == "" || ids[k.ID] {
			return nil, newError(CodeInvalid, "keys[%d]: id must be present and unique", i)
		}
		ids[k.ID] = true
		hash := strings.ToLower(k.Hash)
		if raw, err := hex.DecodeString(hash); err != nil || len(raw) != sha256.Size {
			return nil, newError(CodeInvalid, "keys[%d]: hash must be a hex SHA-256", i)
		}
		for _, s := range k.Scopes {
			if s != ScopeMCP && s != ScopeWidget {
				return nil, newError(CodeInvalid, "keys[%d]: unknown scope %q", i, s)
			}
		}
		ak := activeKey{id: k.ID, scopes: k.Scopes}
		if k.ExpiresAt != "" {
			t, err := time.Parse(time.RFC3339, k.ExpiresAt)
			if err != nil {
				return nil, newError(CodeInvalid, "keys[%d]: expires_at must be RFC 3339", i)
			}
			ak.expiresAt = t
		}
		for _, o := range k.AllowedOrigins {
			ak.origins = append(ak.origins, normaliseOrigin(o))
		}
		out[hash] = ak
	}
	return out, nil
}

// authorizeLocked returns the key presented, if the deployment accepts it
// for scope at now. The lookup is by hash of the presented value, so timing
// reveals nothing about stored keys.
func (d *deployment) authorizeLocked(presented, scope string, now time.Time) (activeKey, bool) {
	if presented == "" {
		return activeKey{}, false
	}
	k, ok := d.keys[HashKey(presented)]
	if !ok || !slices.Contains(k.scopes, scope) {
		return activeKey{}, false
	}
	if !k.expiresAt.IsZero() && !now.Before(k.expiresAt) {
		return activeKey{}, false
	}
	return k, true
}

// allowsOrigin reports whether the widget may run on origin.
func (k activeKey) allowsOrigin(origin string) bool {
	if len(k.origins) == 0 {
		return true
	}
	origin = normaliseOrigin(origin)
	return slices.Contains(k.origins, origin) || slices.Contains(k.origins, "*")
}

// normaliseOrigin makes "https://Shop.example/" and "https://shop.example"
// compare equal, as browsers send the latter.
func normaliseOrigin(o string) string {
	return strings.ToLower(strings.TrimRight(strings.TrimSpace(o), "/"))
}

// getKeyUsage lets CMP show "last used" on the API Keys page.
func (rt *Runtime) getKeyUsage(w http.ResponseWriter, r *http.Request) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	d, err := rt.lookupLocked(r.PathValue("id"))
	if err != nil {
		return err
	}
	usage := make(KeyUsage, len(d.KeyUsage))
	for id, t := range d.KeyUsage {
		usage[id] = t
	}
	writeJSON(w, http.StatusOK, usage)
	return nil
}
