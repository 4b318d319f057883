package group_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/group"
	"github.com/parleyim/parley/internal/group/rules"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/postgres"
	"github.com/parleyim/parley/internal/store/sqlite"
	"github.com/parleyim/parley/internal/store/storetest"
)

func engines(t *testing.T, fn func(t *testing.T, st store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := storetest.FreshPostgres(t)
		st, err := postgres.Open(t.Context(), dsn, 16)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, st)
	})
}

// recorder is a Delivery that keeps what the service told the gateway.
type recorder struct {
	mu     sync.Mutex
	joined []string // group/user
	left   []string
	pushes []string // group kind
	data   []any
}

func (r *recorder) JoinedGroup(_ uint64, g, u string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.joined = append(r.joined, g+"/"+u)
}

func (r *recorder) LeftGroup(_ uint64, g, u string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.left = append(r.left, g+"/"+u)
}

func (r *recorder) PushGroup(_ uint64, g, kind string, data, _ any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pushes = append(r.pushes, g+" "+kind)
	r.data = append(r.data, data)
}

type fixture struct {
	svc    *group.Service
	app    *app.App
	st     store.Store
	rec    *recorder
	events []event.Event
	mu     sync.Mutex
}

func newFixture(t *testing.T, st store.Store, users ...string) *fixture {
	t.Helper()
	a := app.New(1400000001, "k", "admin")
	a.GroupCustomFields = []string{"topic"}
	a.GroupMemberCustomFields = []string{"level"}
	f := &fixture{app: a, st: st, rec: &recorder{}}
	bus := event.NewBus()
	bus.Subscribe(func(e event.Event) {
		f.mu.Lock()
		f.events = append(f.events, e)
		f.mu.Unlock()
	})
	f.svc = &group.Service{Store: group.StoreOf(st), Events: bus, Delivery: f.rec}
	err := st.Write(t.Context(), func(tx store.Tx) error {
		for _, u := range users {
			if _, err := tx.CreateAccount(t.Context(), a.SDKAppID, u, 1); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func code(err error) int {
	if err == nil {
		return 0
	}
	return errcode.As(err, -1).Code
}

func str(s string) *string { return &s }
func boolp(b bool) *bool   { return &b }

var admin = group.Actor{User: "admin", AppAdmin: true}

func as(u string) group.Actor { return group.Actor{User: u} }

// makeGroup creates a group of typ owned by "owner", with "adm" as an
// admin where the type has admins, and "m1", "m2" as common members.
func (f *fixture) makeGroup(t *testing.T, id, typ string) {
	t.Helper()
	r, _ := rules.Of(typ)
	req := group.CreateRequest{GroupID: id, Type: typ, Owner: "owner", Profile: group.Profile{Name: str("n")}}
	if r.InitialMembers {
		req.Members = []group.InitialMember{{User: "m1"}, {User: "m2"}}
		if r.Admins {
			req.Members = append(req.Members, group.InitialMember{User: "adm", Role: rules.RoleAdmin})
		}
	}
	if _, err := f.svc.Create(t.Context(), f.app, admin, req); err != nil {
		t.Fatalf("create %s: %v", id, err)
	}
	if !r.InitialMembers {
		// AVChatRoom: members join after the creation.
		for _, u := range []string{"m1", "m2", "adm"} {
			if _, err := f.svc.Join(t.Context(), f.app, as(u), id, ""); err != nil {
				t.Fatalf("join %s: %v", u, err)
			}
		}
		if err := f.svc.SetMember(t.Context(), f.app, as("owner"), id, group.MemberChange{User: "adm", Role: intp(rules.RoleAdmin)}); err != nil {
			t.Fatalf("grant adm: %v", err)
		}
	}
}

func intp(i int) *int { return &i }

// TestRuleMatrixByRole is seed inventory §8.2/§8.4/§8.5 operation by
// operation, for every type and every role: each cell is what the owner,
// an admin and a common member get (y: done; n: 10007; -: the type has no
// admins). Every case runs on a fresh group.
func TestRuleMatrixByRole(t *testing.T) { engines(t, testRuleMatrixByRole) }

func testRuleMatrixByRole(t *testing.T, st store.Store) {
	f := newFixture(t, st, "owner", "adm", "m1", "m2", "out")
	type op struct {
		do func(t *testing.T, g string, actor group.Actor) error
	}
	ops := map[string]op{
		"kick member": {do: func(t *testing.T, g string, a group.Actor) error {
			return f.svc.Kick(t.Context(), f.app, a, g, []string{"m2"}, "")
		}},
		"kick admin": {do: func(t *testing.T, g string, a group.Actor) error {
			return f.svc.Kick(t.Context(), f.app, a, g, []string{"adm"}, "")
		}},
		"mute member": {do: func(t *testing.T, g string, a group.Actor) error {
			return f.svc.Mute(t.Context(), f.app, a, g, []string{"m2"}, 60)
		}},
		"mute admin": {do: func(t *testing.T, g string, a group.Actor) error {
			return f.svc.Mute(t.Context(), f.app, a, g, []string{"adm"}, 60)
		}},
		"edit profile": {do: func(t *testing.T, g string, a group.Actor) error {
			return f.svc.SetInfo(t.Context(), f.app, a, g, group.Profile{Name: str("new")})
		}},
		"mute all": {do: func(t *testing.T, g string, a group.Actor) error {
			return f.svc.SetInfo(t.Context(), f.app, a, g, group.Profile{MuteAll: boolp(true)})
		}},
		"invite": {do: func(t *testing.T, g string, a group.Actor) error {
			_, err := f.svc.AddMembers(t.Context(), f.app, a, g, []string{"out"}, false)
			return err
		}},
		"grant admin": {do: func(t *testing.T, g string, a group.Actor) error {
			return f.svc.SetMember(t.Context(), f.app, a, g, group.MemberChange{User: "m2", Role: intp(rules.RoleAdmin)})
		}},
		"transfer": {do: func(t *testing.T, g string, a group.Actor) error {
			return f.svc.TransferOwner(t.Context(), f.app, a, g, "m2")
		}},
		"dismiss": {do: func(t *testing.T, g string, a group.Actor) error {
			return f.svc.Dismiss(t.Context(), f.app, a, g)
		}},
		"quit": {do: func(t *testing.T, g string, a group.Actor) error {
			return f.svc.Quit(t.Context(), f.app, a, g)
		}},
		"name card of another": {do: func(t *testing.T, g string, a group.Actor) error {
			return f.svc.SetMember(t.Context(), f.app, a, g, group.MemberChange{User: "m2", NameCard: str("x")})
		}},
		"own name card": {do: func(t *testing.T, g string, a group.Actor) error {
			return f.svc.SetMember(t.Context(), f.app, a, g, group.MemberChange{User: a.User, NameCard: str("me")})
		}},
	}
	// owner, admin, member
	matrix := map[string]map[string]string{
		"Work": {
			"kick member": "y-n", "kick admin": "---", "mute member": "n-n", "mute admin": "---", "edit profile": "y-y",
			"mute all": "n-n", "invite": "y-y", "grant admin": "n-n", "transfer": "y-n", "dismiss": "n-n", "quit": "y-y",
			"name card of another": "y-n", "own name card": "y-y",
		},
		"Public": {
			"kick member": "yyn", "kick admin": "ynn", "mute member": "yyn", "mute admin": "ynn", "edit profile": "yyn",
			"mute all": "yyn", "invite": "nnn", "grant admin": "ynn", "transfer": "ynn", "dismiss": "ynn", "quit": "nyy",
			"name card of another": "yyn", "own name card": "yyy",
		},
		"Meeting": {
			"kick member": "yyn", "kick admin": "ynn", "mute member": "yyn", "mute admin": "ynn", "edit profile": "yyn",
			"mute all": "yyn", "invite": "nnn", "grant admin": "ynn", "transfer": "ynn", "dismiss": "ynn", "quit": "nyy",
			"name card of another": "yyn", "own name card": "yyy",
		},
		"Community": {
			"kick member": "yyn", "kick admin": "ynn", "mute member": "yyn", "mute admin": "ynn", "edit profile": "yyn",
			"mute all": "yyn", "invite": "yyy", "grant admin": "ynn", "transfer": "ynn", "dismiss": "ynn", "quit": "nyy",
			"name card of another": "yyn", "own name card": "yyy",
		},
		"AVChatRoom": {
			"kick member": "nnn", "kick admin": "nnn", "mute member": "yyn", "mute admin": "ynn", "edit profile": "ynn",
			"mute all": "yyn", "invite": "nnn", "grant admin": "ynn", "transfer": "nnn", "dismiss": "ynn", "quit": "nyy",
			"name card of another": "nnn", "own name card": "nnn",
		},
	}
	actors := []string{"owner", "adm", "m1"}
	n := 0
	for _, typ := range []string{"Work", "Public", "Meeting", "Community", "AVChatRoom"} {
		names := make([]string, 0, len(ops))
		for name := range ops {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			cells := matrix[typ][name]
			if len(cells) != 3 {
				t.Fatalf("%s %s: no expectation", typ, name)
			}
			for i, actor := range actors {
				want := cells[i]
				if want == '-' {
					continue
				}
				n++
				g := fmt.Sprintf("%s-%d", strings.ToLower(typ), n)
				f.makeGroup(t, g, typ)
				err := ops[name].do(t, g, as(actor))
				switch {
				case want == 'y' && err != nil:
					t.Errorf("%s: %s by %s: %v, want done", typ, name, actor, err)
				case want == 'n' && code(err) != group.CodeNoPermission:
					t.Errorf("%s: %s by %s: %v, want 10007", typ, name, actor, err)
				}
			}
		}
	}
}

// TestJoinByType: Work refuses requests, Public files an application by
// default (and admits once its option is FreeAccess, refuses with
// DisableApply), Meeting, Community and AVChatRoom admit at once; a second
// join changes nothing; the group's member cap holds (10014).
func TestJoinByType(t *testing.T) { engines(t, testJoinByType) }

func testJoinByType(t *testing.T, st store.Store) {
	f := newFixture(t, st, "owner", "adm", "m1", "m2", "x", "y")
	for _, c := range []struct {
		typ  string
		want group.JoinStatus
		code int
	}{
		{"Work", 0, group.CodeNoPermission},
		{"Public", group.AwaitingApproval, 0},
		{"Meeting", group.Joined, 0},
		{"Community", group.Joined, 0},
		{"AVChatRoom", group.Joined, 0},
	} {
		g := "join-" + c.typ
		f.makeGroup(t, g, c.typ)
		got, err := f.svc.Join(t.Context(), f.app, as("x"), g, "please")
		if code(err) != c.code || c.code == 0 && got != c.want {
			t.Errorf("%s: join: %v %v, want %v code %d", c.typ, got, err, c.want, c.code)
		}
		if c.code == 0 && c.want == group.Joined {
			if again, err := f.svc.Join(t.Context(), f.app, as("x"), g, ""); err != nil || again != group.AlreadyMember {
				t.Errorf("%s: join again: %v %v", c.typ, again, err)
			}
		}
	}
	// Public: join options.
	f.makeGroup(t, "pub", "Public")
	if err := f.svc.SetInfo(t.Context(), f.app, as("owner"), "pub", group.Profile{JoinOption: str(rules.DisableApply)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Join(t.Context(), f.app, as("x"), "pub", ""); code(err) != group.CodeNoPermission {
		t.Errorf("DisableApply: %v", err)
	}
	if err := f.svc.SetInfo(t.Context(), f.app, as("adm"), "pub", group.Profile{JoinOption: str(rules.FreeAccess), MaxMembers: intp(5)}); err != nil {
		t.Fatal(err)
	}
	if s, err := f.svc.Join(t.Context(), f.app, as("x"), "pub", ""); err != nil || s != group.Joined {
		t.Errorf("FreeAccess: %v %v", s, err)
	}
	// owner, adm, m1, m2, x: full at 5.
	if _, err := f.svc.Join(t.Context(), f.app, as("y"), "pub", ""); code(err) != group.CodeGroupFull {
		t.Errorf("a sixth member: %v, want 10014", err)
	}
	// Types with a fixed join option keep it.
	for _, typ := range []string{"Work", "Meeting", "AVChatRoom"} {
		g := "fixed-" + typ
		f.makeGroup(t, g, typ)
		if err := f.svc.SetInfo(t.Context(), f.app, admin, g, group.Profile{JoinOption: str(rules.NeedPermission)}); code(err) != group.CodeNoPermission {
			t.Errorf("%s: changing the join option: %v, want 10007", typ, err)
		}
	}
}

// TestApplications: the owner and admins hear of an application (logged),
// one of them handles it, the other then finds nothing (10007), and the
// applicant hears the outcome; an accepted applicant is a member that the
// gateway is told of and every online member hears enter.
func TestApplications(t *testing.T) { engines(t, testApplications) }

func testApplications(t *testing.T, st store.Store) {
	f := newFixture(t, st, "owner", "adm", "m1", "m2", "x", "y")
	f.makeGroup(t, "p", "Public")
	for _, u := range []string{"x", "y"} {
		if s, err := f.svc.Join(t.Context(), f.app, as(u), "p", "hi from "+u); err != nil || s != group.AwaitingApproval {
			t.Fatalf("%s applies: %v %v", u, s, err)
		}
	}
	heard := map[string]int{}
	for _, e := range f.events {
		if e.Kind == group.KindApplication {
			if e.Seq == 0 || e.Peers[0] != "group_p" {
				t.Errorf("application event not logged or not naming the group: %+v", e)
			}
			heard[e.User]++
		}
	}
	if heard["owner"] != 2 || heard["adm"] != 2 || heard["m1"] != 0 {
		t.Fatalf("who heard the applications: %v", heard)
	}
	apps, err := f.svc.Applications(t.Context(), f.app, as("adm"))
	if err != nil || len(apps) != 2 || apps[0].Applicant != "x" || apps[0].Message != "hi from x" {
		t.Fatalf("admin's applications: %+v %v", apps, err)
	}
	if err := f.svc.HandleApplication(t.Context(), f.app, as("m1"), "p", "x", true); code(err) != group.CodeNoPermission {
		t.Errorf("a common member handles: %v", err)
	}
	if err := f.svc.HandleApplication(t.Context(), f.app, as("adm"), "p", "x", true); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.HandleApplication(t.Context(), f.app, as("owner"), "p", "x", false); code(err) != group.CodeNoPermission {
		t.Errorf("handled twice: %v, want 10007", err)
	}
	if err := f.svc.HandleApplication(t.Context(), f.app, as("owner"), "p", "y", false); err != nil {
		t.Fatal(err)
	}
	roles, err := f.svc.Roles(t.Context(), f.app, "p", []string{"x", "y"})
	if err != nil || roles["x"] != rules.RoleMember || roles["y"] != 0 {
		t.Fatalf("roles after handling: %v %v", roles, err)
	}
	var outcome []string
	for _, e := range f.events {
		if e.Kind == group.KindApplicationAccepted || e.Kind == group.KindApplicationRefused {
			outcome = append(outcome, e.User+" "+string(e.Kind)+" by "+e.Peers[1])
		}
	}
	if want := []string{"x group.application_accepted by adm", "y group.application_refused by owner"}; !slices.Equal(outcome, want) {
		t.Errorf("outcomes %v, want %v", outcome, want)
	}
	if !slices.Contains(f.rec.joined, "p/x") || slices.Contains(f.rec.joined, "p/y") {
		t.Errorf("gateway told of joins %v", f.rec.joined)
	}
	if !slices.Contains(f.rec.pushes, "p group.member_entered") {
		t.Errorf("pushes %v", f.rec.pushes)
	}
}

// TestCreateValidation: IDs, lengths, types, initial members and custom
// data give the exact codes; a taken ID is 10021; a server-assigned ID
// starts @TGS#; over-limit members are reported, not added.
func TestCreateValidation(t *testing.T) { engines(t, testCreateValidation) }

func testCreateValidation(t *testing.T, st store.Store) {
	f := newFixture(t, st, "owner", "m1", "m2")
	base := func() group.CreateRequest {
		return group.CreateRequest{Type: "Public", Owner: "owner", Profile: group.Profile{Name: str("n")}}
	}
	for _, c := range []struct {
		name string
		mod  func(r *group.CreateRequest)
		code int
	}{
		{"unknown type", func(r *group.CreateRequest) { r.Type = "BChatRoom" }, group.CodeInvalidParam},
		{"no name", func(r *group.CreateRequest) { r.Profile.Name = nil }, group.CodeInvalidParam},
		{"name 31 bytes", func(r *group.CreateRequest) { r.Profile.Name = str(strings.Repeat("n", 31)) }, group.CodeInvalidParam},
		{"introduction 241", func(r *group.CreateRequest) { r.Profile.Introduction = str(strings.Repeat("i", 241)) }, group.CodeInvalidParam},
		{"notification 301", func(r *group.CreateRequest) { r.Profile.Notification = str(strings.Repeat("i", 301)) }, group.CodeInvalidParam},
		{"face URL 101", func(r *group.CreateRequest) { r.Profile.FaceURL = str(strings.Repeat("f", 101)) }, group.CodeInvalidParam},
		{"ID 49 bytes", func(r *group.CreateRequest) { r.GroupID = strings.Repeat("g", 49) }, group.CodeBadGroupID},
		{"ID @TGS#", func(r *group.CreateRequest) { r.GroupID = "@TGS#mine" }, group.CodeBadGroupID},
		{"ID not printable", func(r *group.CreateRequest) { r.GroupID = "g\x01" }, group.CodeBadGroupID},
		{"ID not ASCII", func(r *group.CreateRequest) { r.GroupID = "grüppe" }, group.CodeBadGroupID},
		{"bad join option", func(r *group.CreateRequest) { r.Profile.JoinOption = str("Sometimes") }, group.CodeInvalidParam},
		{"cap over the type's", func(r *group.CreateRequest) { r.Profile.MaxMembers = intp(6001) }, group.CodeInvalidParam},
		{"topics outside a community", func(r *group.CreateRequest) { r.SupportTopic = true }, group.CodeInvalidParam},
		{"AVChatRoom with members", func(r *group.CreateRequest) {
			r.Type = "AVChatRoom"
			r.Members = []group.InitialMember{{User: "m1"}}
		}, group.CodeInvalidParam},
		{"admin in a Work group", func(r *group.CreateRequest) {
			r.Type = "Work"
			r.Members = []group.InitialMember{{User: "m1", Role: rules.RoleAdmin}}
		}, group.CodeInvalidParam},
		{"undeclared custom key", func(r *group.CreateRequest) { r.Profile.Custom = map[string]string{"nope": "v"} }, group.CodeInvalidParam},
		{"unknown member", func(r *group.CreateRequest) { r.Members = []group.InitialMember{{User: "ghost"}} }, group.CodeNoSuchAccount},
		{"over the cap", func(r *group.CreateRequest) {
			r.Profile.MaxMembers = intp(2)
			r.Members = []group.InitialMember{{User: "m1"}, {User: "m2"}}
		}, group.CodeGroupFull},
	} {
		r := base()
		c.mod(&r)
		if _, err := f.svc.Create(t.Context(), f.app, admin, r); code(err) != c.code {
			t.Errorf("%s: %v, want %d", c.name, err, c.code)
		}
	}
	r := base()
	r.GroupID = strings.Repeat("g", 48)
	if _, err := f.svc.Create(t.Context(), f.app, admin, r); err != nil {
		t.Fatalf("48-byte ID: %v", err)
	}
	if _, err := f.svc.Create(t.Context(), f.app, admin, r); code(err) != group.CodeGroupIDTaken {
		t.Errorf("taken ID: %v, want 10021", err)
	}
	auto, err := f.svc.Create(t.Context(), f.app, as("m1"), base())
	if err != nil || !strings.HasPrefix(auto.GroupID, group.AutoIDPrefix) || len(auto.GroupID) > group.MaxGroupIDBytes {
		t.Fatalf("server-assigned ID: %+v %v", auto, err)
	}
	info, err := f.svc.Info(t.Context(), f.app, []string{auto.GroupID, "nope", strings.Repeat("x", 49)})
	if err != nil {
		t.Fatal(err)
	}
	// A client's create is owned by the client, whatever it names.
	if g := info[0].Group; g.Owner != "m1" || g.MemberCount != 1 || g.JoinOption != rules.NeedPermission || g.MaxMembers != 2000 {
		t.Errorf("client-created group: %+v", g)
	}
	if info[1].Err == nil || info[1].Err.Code != group.CodeNoSuchGroup || info[2].Err == nil || info[2].Err.Code != group.CodeBadGroupID {
		t.Errorf("per-group errors: %+v %+v", info[1].Err, info[2].Err)
	}
	created := 0
	for _, e := range f.events {
		if e.Kind == group.KindCreated && e.User == "m1" {
			created++
		}
	}
	if created != 1 {
		t.Errorf("the creator heard group.created %d times", created)
	}
}

// TestOverLimitMembers: a user in MaxJoinedGroups groups is reported at
// creation and not added, and cannot join another (10037).
func TestOverLimitMembers(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := newFixture(t, st, "owner", "adm", "m1", "m2", "busy", "free")
	err = st.Write(t.Context(), func(tx store.Tx) error {
		for i := range group.MaxJoinedGroups {
			id := fmt.Sprintf("full-%d", i)
			if _, err := tx.CreateGroup(t.Context(), store.Group{App: f.app.SDKAppID, ID: id, Type: rules.Meeting, CreatedAt: 1}); err != nil {
				return err
			}
			if _, err := tx.JoinGroup(t.Context(), f.app.SDKAppID, id, "busy", 1); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Create(t.Context(), f.app, admin, group.CreateRequest{GroupID: "new", Type: "Public", Owner: "owner",
		Profile: group.Profile{Name: str("n")}, Members: []group.InitialMember{{User: "busy"}, {User: "free"}}})
	if err != nil || !slices.Equal(got.OverLimit, []string{"busy"}) {
		t.Fatalf("create: %+v %v", got, err)
	}
	roles, _ := f.svc.Roles(t.Context(), f.app, "new", []string{"busy", "free"})
	if roles["busy"] != 0 || roles["free"] != rules.RoleMember {
		t.Errorf("roles %v", roles)
	}
	f.makeGroup(t, "meet", rules.Meeting)
	if _, err := f.svc.Join(t.Context(), f.app, as("busy"), "meet", ""); code(err) != group.CodeTooManyJoined {
		t.Errorf("join past the limit: %v, want 10037", err)
	}
}

// TestMembershipEvents: each committed change tells the gateway whom to
// add or drop and what every online member hears, and logs what each user
// whose membership changed must hear.
func TestMembershipEvents(t *testing.T) { engines(t, testMembershipEvents) }

func testMembershipEvents(t *testing.T, st store.Store) {
	f := newFixture(t, st, "owner", "adm", "m1", "m2", "x")
	f.makeGroup(t, "c", "Community")
	if _, err := f.svc.AddMembers(t.Context(), f.app, as("m1"), "c", []string{"x", "m2", "ghost"}, false); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Mute(t.Context(), f.app, as("adm"), "c", []string{"x"}, 30); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Kick(t.Context(), f.app, as("owner"), "c", []string{"x"}, "bye"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Quit(t.Context(), f.app, as("m2"), "c"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Dismiss(t.Context(), f.app, as("owner"), "c"); err != nil {
		t.Fatal(err)
	}
	wantPushes := []string{"c group.member_invited", "c group.member_changed", "c group.member_kicked", "c group.member_left", "c group.dismissed"}
	if !slices.Equal(f.rec.pushes, wantPushes) {
		t.Errorf("pushes %v, want %v", f.rec.pushes, wantPushes)
	}
	if inv := f.rec.data[0].(group.PushUsers); inv.Operator != "m1" || !slices.Equal(inv.UserIDs, []string{"x"}) {
		t.Errorf("invited push: %+v", inv)
	}
	if mc := f.rec.data[1].(group.PushMembers); len(mc.Members) != 1 || mc.Members[0].MuteUntil == nil || *mc.Members[0].MuteUntil == 0 {
		t.Errorf("mute push: %+v", mc)
	}
	if !slices.Contains(f.rec.joined, "c/x") || !slices.Contains(f.rec.left, "c/x") || !slices.Contains(f.rec.left, "c/m2") ||
		!slices.Contains(f.rec.left, "c/owner") {
		t.Errorf("gateway joined %v left %v", f.rec.joined, f.rec.left)
	}
	logged := map[string][]string{}
	for _, e := range f.events {
		if strings.HasPrefix(string(e.Kind), "group.") && e.Seq > 0 {
			logged[e.User] = append(logged[e.User], string(e.Kind))
		}
	}
	want := map[string][]string{
		"owner": {"group.created", "group.dismissed"},
		"adm":   {"group.joined", "group.dismissed"},
		"m1":    {"group.joined", "group.dismissed"},
		"m2":    {"group.joined", "group.quit"},
		"x":     {"group.joined", "group.kicked"},
	}
	for u, w := range want {
		if !slices.Equal(logged[u], w) {
			t.Errorf("%s's log: %v, want %v", u, logged[u], w)
		}
	}
}

// A group may ask for at most its type's member cap (Public: 6,000), unless
// the app raises it (group_member_caps, Tencent's value-added raise); the
// raised cap is then the one a full group is held to.
func TestAppRaisesMemberCap(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := newFixture(t, st, "owner")
	req := group.CreateRequest{GroupID: "big", Type: rules.Public, Owner: "owner",
		Profile: group.Profile{Name: str("n"), MaxMembers: intp(10000)}}
	if _, err := f.svc.Create(t.Context(), f.app, admin, req); code(err) != group.CodeInvalidParam {
		t.Fatalf("10,000 members in a Public group by default: %v, want %d", err, group.CodeInvalidParam)
	}
	f.app.GroupMemberCaps = map[string]int{rules.Public: 10000}
	if _, err := f.svc.Create(t.Context(), f.app, admin, req); err != nil {
		t.Fatalf("with the app's cap raised: %v", err)
	}
	req.GroupID, req.Profile.MaxMembers = "bigger", intp(10001)
	if _, err := f.svc.Create(t.Context(), f.app, admin, req); code(err) != group.CodeInvalidParam {
		t.Fatalf("over the raised cap: %v, want %d", err, group.CodeInvalidParam)
	}
}
