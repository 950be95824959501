"""A crawl's saved queue damaged by SIGKILL is found and discarded before resuming."""

import pickle

from queuelib.queue import LifoDiskQueue

from crawler.jobdir import discard_if_damaged


def make_jobdir(tmp_path, damage: bool):
    queue_dir = tmp_path / "a.db.job" / "requests.queue" / "127.0.0.11-abc"
    queue_dir.mkdir(parents=True)
    (queue_dir.parent / "active.json").write_text("{}")
    queue = LifoDiskQueue(str(queue_dir / "0"))
    for n in range(3):
        queue.push(pickle.dumps({"url": f"http://127.0.0.11/{n}.html"}))
    queue.close()
    if damage:  # what a kill in the middle of a write leaves: a truncated file
        data = (queue_dir / "0").read_bytes()
        (queue_dir / "0").write_bytes(data[:-5])
    return tmp_path / "a.db.job"


def test_sound_queue_is_kept(tmp_path):
    jobdir = make_jobdir(tmp_path, damage=False)
    assert discard_if_damaged(jobdir) is False and jobdir.exists()
    queue = LifoDiskQueue(str(jobdir / "requests.queue" / "127.0.0.11-abc" / "0"))
    assert len(queue) == 3  # checking read a copy: the queue itself is untouched


def test_damaged_queue_is_discarded(tmp_path):
    jobdir = make_jobdir(tmp_path, damage=True)
    assert discard_if_damaged(jobdir) is True and not jobdir.exists()


def test_empty_header_is_damage(tmp_path):
    jobdir = make_jobdir(tmp_path, damage=False)
    (jobdir / "requests.queue" / "127.0.0.11-abc" / "0").write_bytes(b"\x00\x00")
    assert discard_if_damaged(jobdir) is True
