package restapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/parleyim/parley/internal/errcode"
)

// Envelope is the status block every response carries at its top level.
type Envelope struct {
	ActionStatus string  `json:"ActionStatus"`
	ErrorCode    int     `json:"ErrorCode"`
	ErrorInfo    string  `json:"ErrorInfo"`
	ErrorDisplay *string `json:"ErrorDisplay,omitempty"`
}

func (e *Envelope) env() *Envelope { return e }

// response is any response struct that embeds Envelope.
type response interface{ env() *Envelope }

func failure(err *errcode.Error) response {
	return &Envelope{ActionStatus: "FAIL", ErrorCode: err.Code, ErrorInfo: err.Info}
}

func ok() response { return &Envelope{} }

var emptyDisplay = ""

func writeResponse(w http.ResponseWriter, resp response, svc *service) {
	e := resp.env()
	if e.ErrorCode == 0 {
		e.ActionStatus, e.ErrorInfo = "OK", ""
	} else {
		e.ActionStatus = "FAIL"
	}
	if svc != nil && svc.hasDisplay {
		e.ErrorDisplay = &emptyDisplay
	}
	b, err := json.Marshal(resp)
	if err != nil {
		b = []byte(`{"ActionStatus":"FAIL","ErrorCode":70500,"ErrorInfo":"Err_Response_Encode_Fail"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	// Always a length: a large answer (a page of friends) is otherwise
	// sent chunked, which costs the server a write per chunk and some
	// simple clients their keep-alive.
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// resultItem is the per-item result of most batch APIs.
type resultItem struct {
	ToAccount  string `json:"To_Account"`
	ResultCode int    `json:"ResultCode"`
	ResultInfo string `json:"ResultInfo"`
}

func itemStatus(err *errcode.Error) (int, string) {
	if err == nil {
		return 0, ""
	}
	return err.Code, err.Info
}
