from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _canopy_sample import parse_sample


@pytest.fixture
def sample():
    return parse_sample("sm_90")
