"""The one run loop of an Explore page: what Play, Pause, Step and "run to year" ask for.

Clicks only change a request (play, pause, one more year, run to a year) under a lock;
a single loop thread reads the request before each year and stops when nothing is
asked. A click never starts a second loop: :meth:`RunControl.request` says whether the
caller must start one, and only when none runs. So any order and speed of clicks gives
one sequence of years, each simulated once, in order.

Plain Python (no Solara): the page supplies the thread (a Solara task) and the model.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

__all__ = ["SPEEDS", "RunControl"]

#: Speed choices of the page: pause between years while playing, seconds.
SPEEDS: dict[str, float] = {"slow": 1.0, "normal": 0.3, "fast": 0.0}


@dataclass
class RunControl:
    """What the user asked the loop to do, and whether a loop is running.

    Attributes:
        playing: keep simulating years until paused (or the run ends).
        steps: single years still to simulate (Step clicks not yet served, and the
            first year of a Play, so that Play then Pause at any speed advances a year).
        target: simulate until this year is done (``None``: no target).
        delay: pause between years while playing, seconds.
        looping: a loop thread is running (it alone sets this back to False).
    """

    playing: bool = False
    steps: int = 0
    target: int | None = None
    delay: float = SPEEDS["normal"]
    looping: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def request(self, action: str, year: int | None = None) -> bool:
        """Record a click; return True if the caller must start the loop.

        Args:
            action: ``"play"``, ``"pause"``, ``"step"``, ``"run_to"`` or ``"stop"``
                (stop: forget every request, e.g. on reset).
            year: the target year of ``"run_to"``.
        """
        with self.lock:
            if action == "play":
                # Play simulates at least one year, however soon Pause follows
                self.playing, self.steps = True, max(self.steps, 1)
            elif action == "pause":
                self.playing, self.target = False, None
            elif action == "step":
                if not self.playing and self.target is None:
                    self.steps += 1
            elif action == "run_to":
                self.playing, self.steps, self.target = False, 0, year
            elif action == "stop":
                self.playing, self.steps, self.target = False, 0, None
                return False
            else:
                raise ValueError(f"unknown action {action!r}")
            wanted = self.playing or self.steps > 0 or self.target is not None
            if wanted and not self.looping:
                self.looping = True
                return True
            return False

    def next_year(self, next_year: int, can_run: bool) -> bool:
        """Called by the loop before each year: simulate ``next_year``? False ends the loop.

        Args:
            next_year: the year the next step would simulate.
            can_run: the model has years left (and is the page's current model).
        """
        with self.lock:
            if can_run and self.target is not None and next_year > self.target:
                self.target = None
            go = can_run and (self.playing or self.steps > 0 or self.target is not None)
            if not go:
                # the loop ends here: clear what cannot be served, and let a click start anew
                self.playing, self.steps, self.target = False, 0, None
                self.looping = False
                return False
            if self.steps > 0 and self.target is None:
                self.steps -= 1
            return True

    @property
    def busy(self) -> bool:
        """Whether the loop runs for play or a target (the page shows Pause)."""
        return self.playing or self.target is not None
