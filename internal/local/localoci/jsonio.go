package localoci

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// maxJSONBody bounds the JSON request bodies the API accepts.
const maxJSONBody = 8 << 20

// writeJSON writes v as the JSON response body.
func writeJSON(w http.ResponseWriter, status int, v any) *apiError {
	body, err := json.Marshal(v)
	if err != nil {
		return errf(http.StatusInternalServerError, "InternalServerError", "encode response: %v", err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return nil
}

// readJSON decodes the request body into v.
func readJSON(r *http.Request, v any) *apiError {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody+1))
	if err != nil {
		return errf(http.StatusBadRequest, "CannotParseRequest", "Cannot read the request body: %v", err)
	}
	if len(data) > maxJSONBody {
		return errf(http.StatusBadRequest, "CannotParseRequest", "The request body is larger than %d bytes", maxJSONBody)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return errf(http.StatusBadRequest, "CannotParseRequest", "The request body is not valid JSON: %v", fmt.Sprint(err))
	}
	return nil
}
