package message

import (
	"strings"
	"sync"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
)

// CodeGroupSendTooFast refuses a group message over the group's rate
// (rest-spec §3.7 send_group_msg: 10023, "the frequency limit for message
// sending is reached").
const CodeGroupSendTooFast = 10023

// Priority is a group message's priority (V2TIM's V2TIM_PRIORITY_*, the
// REST API's MsgPriority). Under the rate limit, the backend "delivers
// high-priority messages first" (seed 002): each priority below High
// leaves part of the second's budget to the ones above it, so a burst of
// low-priority messages is refused first and High still gets through.
type Priority int

const (
	PriorityNormal Priority = iota // the default
	PriorityHigh
	PriorityLow
	PriorityLowest
)

// ParsePriority reads REST's MsgPriority and the protocol's priority
// ("High", "Normal", "Low", "Lowest", any case; "" is Normal).
func ParsePriority(s string) (Priority, error) {
	switch strings.ToLower(s) {
	case "", "normal":
		return PriorityNormal, nil
	case "high":
		return PriorityHigh, nil
	case "low":
		return PriorityLow, nil
	case "lowest":
		return PriorityLowest, nil
	}
	return 0, errcode.Newf(CodeGroupBadParam, "Err_Group_MsgPriority_Invalid: %q (High, Normal, Low or Lowest)", s)
}

// reserve is the share of a full second's budget a message of p leaves to
// higher priorities (of 40: Normal leaves 4 to High, Low 8, Lowest 16).
func (p Priority) reserve() float64 {
	switch p {
	case PriorityHigh:
		return 0
	case PriorityLow:
		return 0.2
	case PriorityLowest:
		return 0.4
	}
	return 0.1
}

// maxRateGroups bounds how many groups' buckets a node holds; past it the
// buckets that are full again (idle for a second) are dropped, which
// forgets nothing a limit needs. If every bucket was used within the last
// second (as many groups sending at once), one is dropped anyway: the map
// stays bounded, and the group it belonged to may send one second's burst
// again, the least harm (refusing new groups would let a sender in many
// groups silence everyone else's).
const maxRateGroups = 100_000

// groupRates is a token bucket per group on this node (each holds one
// second of sends, at least one). A node limits the sends it serves; with several nodes
// each allows the rate, as the REST API's per-node buckets do.
type groupRates struct {
	mu      sync.Mutex
	buckets map[groupRateKey]*groupBucket
	swept   time.Time // the last dropFull: the whole map is scanned at most once a second
}

type groupRateKey struct {
	app   uint64
	group string
}

type groupBucket struct {
	tokens float64
	at     time.Time
}

// admit takes one send of priority p for group at now, at rate messages a
// second, or refuses it.
func (r *groupRates) admit(app uint64, group string, p Priority, rate float64, now time.Time) bool {
	burst := max(rate, 1) // one second of sends, at least one
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.buckets == nil {
		r.buckets = map[groupRateKey]*groupBucket{}
	}
	k := groupRateKey{app, group}
	b := r.buckets[k]
	if b == nil {
		if len(r.buckets) >= maxRateGroups && now.Sub(r.swept) >= time.Second {
			r.swept = now
			r.dropFull(now)
		}
		if len(r.buckets) >= maxRateGroups {
			for victim := range r.buckets {
				delete(r.buckets, victim)
				break
			}
		}
		b = &groupBucket{tokens: burst, at: now}
		r.buckets[k] = b
	}
	if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
		b.tokens = min(burst, b.tokens+elapsed*rate)
	}
	b.at = now
	if b.tokens-1 < p.reserve()*burst {
		return false
	}
	b.tokens--
	return true
}

func (r *groupRates) dropFull(now time.Time) {
	for k, b := range r.buckets {
		if now.Sub(b.at) >= time.Second {
			delete(r.buckets, k)
		}
	}
}

// admitGroupSend refuses (10023) a send over groupID's rate (the app's
// GroupMessageRate; 0 is unlimited).
func (s *Service) admitGroupSend(a *app.App, groupID string, p Priority) error {
	if a.GroupMessageRate <= 0 {
		return nil
	}
	if !s.groupRates.admit(a.SDKAppID, groupID, p, a.GroupMessageRate, s.now()) {
		return errcode.Newf(CodeGroupSendTooFast, "Err_Group_Msg_Freq_Ctrl: group %q is past %g messages per second", groupID, a.GroupMessageRate)
	}
	return nil
}
