-- What a task is (a programme item's kind: project, report, inspection…)
-- and the month or quarter it is due within, when it was given so.
CREATE TABLE committee_task_items (
    task_id BLOB PRIMARY KEY REFERENCES committee_tasks (id),
    kind TEXT,
    due_period TEXT
);
