// Package relation owns the relationship chain: friends (one-way rows, so
// one-way and two-way adds, deletes and checks share one model), pending
// friend requests, the blocklist and friend lists. The REST API and the
// client gateway both call this package, so every rule (AllowType,
// blocklist, caps, field limits) is written here once.
package relation

import (
	"slices"
	"strings"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/hook"
	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/store"
)

// Service implements the relationship chain.
type Service struct {
	Store  Store
	Events *event.Bus
	Now    func() time.Time
	// Outbox appends the friend and blocklist entries consumers want; nil
	// appends none.
	Outbox *outbox.Producer
	// Hook is asked before a client's friend add or response; nil allows.
	Hook *hook.Runner
	// GatherAdds: AddFriends calls that arrive together are written
	// together (gathered_adds.go); for a store.Networked store.
	GatherAdds bool
	// adds gathers AddFriends calls into shared writes (gathered_adds.go).
	adds gatheredAdds
}

func (s *Service) now() int64 {
	if s.Now != nil {
		return s.Now().Unix()
	}
	return time.Now().Unix()
}

// Field limits from the seeds.
const (
	MaxRemarkBytes       = 96
	MaxWordingBytes      = 256
	MaxListNameBytes     = 30
	MaxSourceKeyword     = 8
	MaxCustomValueBytes  = 500
	MaxBatch             = 1000 // REST batch size of friend and blocklist APIs
	FriendPageSize       = 100
	DefaultBlockPageSize = 100
	SourcePrefix         = "AddSource_Type_"
)

// Standard friend tags.
const (
	TagGroup      = "Tag_SNS_IM_Group"
	TagRemark     = "Tag_SNS_IM_Remark"
	TagAddSource  = "Tag_SNS_IM_AddSource"
	TagAddWording = "Tag_SNS_IM_AddWording"
	TagAddTime    = "Tag_SNS_IM_AddTime"
	TagRemarkTime = "Tag_SNS_IM_RemarkTime"
	CustomPrefix  = "Tag_SNS_Custom_"
)

// AddType chooses one-way or two-way adds.
type AddType string

const (
	AddSingle AddType = "Add_Type_Single"
	AddBoth   AddType = "Add_Type_Both"
)

// DeleteType chooses one-way or two-way deletes.
type DeleteType string

const (
	DeleteSingle DeleteType = "Delete_Type_Single"
	DeleteBoth   DeleteType = "Delete_Type_Both"
)

// ItemResult is the outcome for one peer of a batch call; Err nil means
// success. 30539 (pending approval) is reported as an Err although the
// request was stored, exactly as Tencent does.
type ItemResult struct {
	Peer string
	Err  *errcode.Error
}

// Failed lists the peers whose item failed, in order (Fail_Account).
func Failed(results []ItemResult) []string {
	var out []string
	for _, r := range results {
		if r.Err != nil {
			out = append(out, r.Peer)
		}
	}
	return out
}

func bad(format string, args ...any) *errcode.Error {
	return errcode.Newf(errcode.SNSBadRequest, format, args...)
}

// checkOwner validates the acting user of a request.
func checkOwner(owner string) error {
	if owner == "" || len(owner) > 32 {
		return bad("Err_SNS_From_Account_Invalid")
	}
	return nil
}

// checkPeers validates a batch of target IDs.
func checkPeers(peers []string, limit int) error {
	if len(peers) == 0 {
		return bad("Err_SNS_To_Account_Empty")
	}
	if len(peers) > limit {
		return bad("Err_SNS_To_Account_Too_Many: at most %d", limit)
	}
	return nil
}

// peerProblem returns the per-item error of a target ID that can never be
// valid (empty, too long, the owner itself, repeated in the batch).
func peerProblem(owner, peer string, seen map[string]bool) *errcode.Error {
	switch {
	case peer == "" || len(peer) > 32:
		return bad("Err_SNS_To_Account_Invalid")
	case peer == owner:
		return bad("Err_SNS_To_Account_Is_Self")
	case seen[peer]:
		return bad("Err_SNS_To_Account_Duplicated")
	}
	seen[peer] = true
	return nil
}

func validSource(source string) bool {
	kw, ok := strings.CutPrefix(source, SourcePrefix)
	return ok && kw != "" && len(kw) <= MaxSourceKeyword
}

func validListName(name string) bool { return name != "" && len(name) <= MaxListNameBytes }

// mergeGroups returns names plus the lists the owner does not have yet, or
// 30011 when creating them would pass the cap.
type listSet struct {
	names map[string]bool
	limit int
	added []string
}

func newListSet(lists []store.FriendList, limit int) *listSet {
	ls := &listSet{names: map[string]bool{}, limit: limit}
	for _, l := range lists {
		ls.names[l.Name] = true
	}
	return ls
}

// ensure reports the error for adding names, and records which are new.
func (ls *listSet) ensure(names []string) *errcode.Error {
	var fresh []string
	for _, n := range names {
		if !ls.names[n] && !slices.Contains(fresh, n) {
			fresh = append(fresh, n)
		}
	}
	if len(ls.names)+len(fresh) > ls.limit {
		return errcode.New(errcode.SNSFriendListLimit, "Err_SNS_Group_Num_Exceed_Threshold")
	}
	for _, n := range fresh {
		ls.names[n] = true
		ls.added = append(ls.added, n)
	}
	return nil
}

func friendEvent(a *app.App, kind event.Kind, user string, peers ...string) event.Event {
	return event.Event{App: a.SDKAppID, Kind: kind, User: user, Peers: peers}
}

func sortStrings(s []string) { slices.Sort(s) }
