package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"sync/atomic"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/app"
	"ortlos/internal/identity"
)

// tasks is the project scenario of issue 5: a project with 2,000 tasks;
// 16 clients list the first page of 50 tasks (listProjectTasks), once
// with the project unchanged and once while a task is created every
// 100 ms; then 8 clients create tasks (createTask). People authenticate
// with personal API tokens (write scope).
func tasks(ctx context.Context, m *app.Main, base string, d time.Duration) error {
	u, err := m.Identity.CreateUser(ctx, actor.CLI(), identity.NewUser{Username: "bench.pm", DisplayName: "Projektleitung", Roles: []string{actor.RoleEmployee}})
	if err != nil {
		return err
	}
	_, tok, err := m.Identity.CreateTokenFor(ctx, actor.CLI(), u.ID, identity.NewToken{Name: "bench", Scope: "write"})
	if err != nil {
		return err
	}
	call := func(c *http.Client, method, path, body string) (int, []byte, error) {
		req, _ := http.NewRequest(method, base+"/api/v1"+path, bytes.NewBufferString(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return resp.StatusCode, b.Bytes(), nil
	}
	setup := &http.Client{Timeout: 10 * time.Second}
	code, body, err := call(setup, "POST", "/projects", `{"name":"Lastprobe Bauantrag"}`)
	if err != nil || code != http.StatusCreated {
		return fmt.Errorf("create project: %d %s %v", code, body, err)
	}
	var p struct{ ID int64 }
	if err := json.Unmarshal(body, &p); err != nil {
		return err
	}
	const existing = 2000
	for i := range existing {
		code, body, err := call(setup, "POST", fmt.Sprintf("/projects/%d/tasks", p.ID),
			fmt.Sprintf(`{"title":"Vorgang %d prüfen","priority":"normal","estimate_minutes":120}`, i))
		if err != nil || code != http.StatusCreated {
			return fmt.Errorf("create task %d: %d %s %v", i, code, body, err)
		}
	}
	list := fmt.Sprintf("/projects/%d/tasks", p.ID)
	res := load(16, d, func(c *http.Client) (int, error) {
		code, _, err := call(c, "GET", list, "")
		return code, err
	})
	res.print(fmt.Sprintf("GET /api/v1/projects/{id}/tasks: first page of 50 of %d tasks, 16 clients", existing))
	if *useWrk {
		// The same load from wrk (C), which takes less of the two cores
		// than the Go clients above.
		out, err := exec.CommandContext(ctx, "wrk", "-t2", "-c16", fmt.Sprintf("-d%ds", int(d.Seconds())), "--latency",
			"-H", "Authorization: Bearer "+tok, base+"/api/v1"+list).CombinedOutput()
		if err != nil {
			return fmt.Errorf("wrk: %v: %s", err, out)
		}
		fmt.Printf("wrk, 16 connections, same request:\n%s\n", out)
	}

	// The same listing while someone changes a task ten times a second:
	// each change invalidates the cached page, so the first reader after it
	// runs the page query.
	stop := make(chan struct{})
	changed := make(chan int)
	go func() {
		c := &http.Client{Timeout: 10 * time.Second}
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		n := 0
		for {
			select {
			case <-stop:
				changed <- n
				return
			case <-tick.C:
			}
			if code, _, err := call(c, "POST", fmt.Sprintf("/projects/%d/tasks", p.ID),
				fmt.Sprintf(`{"title":"Eingang %d","priority":"urgent"}`, n)); err == nil && code == http.StatusCreated {
				n++
			}
		}
	}()
	res = load(16, d, func(c *http.Client) (int, error) {
		code, _, err := call(c, "GET", list, "")
		return code, err
	})
	close(stop)
	res.print(fmt.Sprintf("GET /api/v1/projects/{id}/tasks: the same, while a task is created every 100 ms (%d changes)", <-changed))

	var n atomic.Int64
	res = load(8, d, func(c *http.Client) (int, error) {
		k := n.Add(1)
		code, _, err := call(c, "POST", fmt.Sprintf("/projects/%d/tasks", p.ID),
			fmt.Sprintf(`{"title":"Neuer Vorgang %d","priority":"high","estimate_minutes":60}`, k))
		return code, err
	})
	res.print("POST /api/v1/projects/{id}/tasks: create tasks, 8 clients (audited writes)")
	return nil
}
