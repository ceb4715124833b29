from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetSplitStatusRequest(_message.Message):
    __slots__ = ("group", "stage_only")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    STAGE_ONLY_FIELD_NUMBER: _ClassVar[int]
    group: str
    stage_only: bool
    def __init__(self, group: _Optional[str] = ..., stage_only: _Optional[bool] = ...) -> None: ...

class AdvanceSplitRequest(_message.Message):
    __slots__ = ("group", "to", "actor", "reason")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    group: str
    to: str
    actor: str
    reason: str
    def __init__(self, group: _Optional[str] = ..., to: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RollbackSplitRequest(_message.Message):
    __slots__ = ("group", "actor", "reason")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    group: str
    actor: str
    reason: str
    def __init__(self, group: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class SplitTableState(_message.Message):
    __slots__ = ("name", "key", "old_rows", "new_rows", "rows_copied", "copy_done")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    OLD_ROWS_FIELD_NUMBER: _ClassVar[int]
    NEW_ROWS_FIELD_NUMBER: _ClassVar[int]
    ROWS_COPIED_FIELD_NUMBER: _ClassVar[int]
    COPY_DONE_FIELD_NUMBER: _ClassVar[int]
    name: str
    key: str
    old_rows: int
    new_rows: int
    rows_copied: int
    copy_done: bool
    def __init__(self, name: _Optional[str] = ..., key: _Optional[str] = ..., old_rows: _Optional[int] = ..., new_rows: _Optional[int] = ..., rows_copied: _Optional[int] = ..., copy_done: _Optional[bool] = ...) -> None: ...

class SplitStageChange(_message.Message):
    __slots__ = ("from_stage", "to_stage", "actor", "reason", "changed_at", "notes")
    FROM_STAGE_FIELD_NUMBER: _ClassVar[int]
    TO_STAGE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    from_stage: str
    to_stage: str
    actor: str
    reason: str
    changed_at: str
    notes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, from_stage: _Optional[str] = ..., to_stage: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., changed_at: _Optional[str] = ..., notes: _Optional[_Iterable[str]] = ...) -> None: ...

class SplitStatus(_message.Message):
    __slots__ = ("group", "stage", "stages", "next_stage", "previous_stage", "reads_from", "writes_to", "tables", "pending_forward", "pending_reverse", "last_change")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    STAGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_STAGE_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STAGE_FIELD_NUMBER: _ClassVar[int]
    READS_FROM_FIELD_NUMBER: _ClassVar[int]
    WRITES_TO_FIELD_NUMBER: _ClassVar[int]
    TABLES_FIELD_NUMBER: _ClassVar[int]
    PENDING_FORWARD_FIELD_NUMBER: _ClassVar[int]
    PENDING_REVERSE_FIELD_NUMBER: _ClassVar[int]
    LAST_CHANGE_FIELD_NUMBER: _ClassVar[int]
    group: str
    stage: str
    stages: _containers.RepeatedScalarFieldContainer[str]
    next_stage: str
    previous_stage: str
    reads_from: str
    writes_to: str
    tables: _containers.RepeatedCompositeFieldContainer[SplitTableState]
    pending_forward: int
    pending_reverse: int
    last_change: SplitStageChange
    def __init__(self, group: _Optional[str] = ..., stage: _Optional[str] = ..., stages: _Optional[_Iterable[str]] = ..., next_stage: _Optional[str] = ..., previous_stage: _Optional[str] = ..., reads_from: _Optional[str] = ..., writes_to: _Optional[str] = ..., tables: _Optional[_Iterable[_Union[SplitTableState, _Mapping]]] = ..., pending_forward: _Optional[int] = ..., pending_reverse: _Optional[int] = ..., last_change: _Optional[_Union[SplitStageChange, _Mapping]] = ...) -> None: ...

class CopySplitRequest(_message.Message):
    __slots__ = ("group", "batch_size", "rows_per_second")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    ROWS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    group: str
    batch_size: int
    rows_per_second: float
    def __init__(self, group: _Optional[str] = ..., batch_size: _Optional[int] = ..., rows_per_second: _Optional[float] = ...) -> None: ...

class SplitCopyBatch(_message.Message):
    __slots__ = ("table", "rows_done", "rows_total", "rows_per_second", "eta_seconds")
    TABLE_FIELD_NUMBER: _ClassVar[int]
    ROWS_DONE_FIELD_NUMBER: _ClassVar[int]
    ROWS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    ROWS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    ETA_SECONDS_FIELD_NUMBER: _ClassVar[int]
    table: str
    rows_done: int
    rows_total: int
    rows_per_second: float
    eta_seconds: float
    def __init__(self, table: _Optional[str] = ..., rows_done: _Optional[int] = ..., rows_total: _Optional[int] = ..., rows_per_second: _Optional[float] = ..., eta_seconds: _Optional[float] = ...) -> None: ...

class SplitCopyTableSummary(_message.Message):
    __slots__ = ("table", "rows_copied", "rows_total")
    TABLE_FIELD_NUMBER: _ClassVar[int]
    ROWS_COPIED_FIELD_NUMBER: _ClassVar[int]
    ROWS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    table: str
    rows_copied: int
    rows_total: int
    def __init__(self, table: _Optional[str] = ..., rows_copied: _Optional[int] = ..., rows_total: _Optional[int] = ...) -> None: ...

class SplitCopySummary(_message.Message):
    __slots__ = ("tables", "seconds", "complete")
    TABLES_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    tables: _containers.RepeatedCompositeFieldContainer[SplitCopyTableSummary]
    seconds: float
    complete: bool
    def __init__(self, tables: _Optional[_Iterable[_Union[SplitCopyTableSummary, _Mapping]]] = ..., seconds: _Optional[float] = ..., complete: _Optional[bool] = ...) -> None: ...

class CopySplitProgress(_message.Message):
    __slots__ = ("batch", "summary")
    BATCH_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    batch: SplitCopyBatch
    summary: SplitCopySummary
    def __init__(self, batch: _Optional[_Union[SplitCopyBatch, _Mapping]] = ..., summary: _Optional[_Union[SplitCopySummary, _Mapping]] = ...) -> None: ...

class VerifySplitRequest(_message.Message):
    __slots__ = ("group", "repair", "max_examples")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    REPAIR_FIELD_NUMBER: _ClassVar[int]
    MAX_EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    group: str
    repair: bool
    max_examples: int
    def __init__(self, group: _Optional[str] = ..., repair: _Optional[bool] = ..., max_examples: _Optional[int] = ...) -> None: ...

class SplitTableDifferences(_message.Message):
    __slots__ = ("table", "rows_compared", "missing", "extra", "different", "missing_examples", "extra_examples", "different_examples", "repaired")
    TABLE_FIELD_NUMBER: _ClassVar[int]
    ROWS_COMPARED_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    EXTRA_FIELD_NUMBER: _ClassVar[int]
    DIFFERENT_FIELD_NUMBER: _ClassVar[int]
    MISSING_EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    EXTRA_EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    DIFFERENT_EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    REPAIRED_FIELD_NUMBER: _ClassVar[int]
    table: str
    rows_compared: int
    missing: int
    extra: int
    different: int
    missing_examples: _containers.RepeatedScalarFieldContainer[str]
    extra_examples: _containers.RepeatedScalarFieldContainer[str]
    different_examples: _containers.RepeatedScalarFieldContainer[str]
    repaired: int
    def __init__(self, table: _Optional[str] = ..., rows_compared: _Optional[int] = ..., missing: _Optional[int] = ..., extra: _Optional[int] = ..., different: _Optional[int] = ..., missing_examples: _Optional[_Iterable[str]] = ..., extra_examples: _Optional[_Iterable[str]] = ..., different_examples: _Optional[_Iterable[str]] = ..., repaired: _Optional[int] = ...) -> None: ...

class SplitVerifyReport(_message.Message):
    __slots__ = ("group", "tables", "differences", "repaired", "stage", "truth", "seconds")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    TABLES_FIELD_NUMBER: _ClassVar[int]
    DIFFERENCES_FIELD_NUMBER: _ClassVar[int]
    REPAIRED_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    TRUTH_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    group: str
    tables: _containers.RepeatedCompositeFieldContainer[SplitTableDifferences]
    differences: int
    repaired: bool
    stage: str
    truth: str
    seconds: float
    def __init__(self, group: _Optional[str] = ..., tables: _Optional[_Iterable[_Union[SplitTableDifferences, _Mapping]]] = ..., differences: _Optional[int] = ..., repaired: _Optional[bool] = ..., stage: _Optional[str] = ..., truth: _Optional[str] = ..., seconds: _Optional[float] = ...) -> None: ...

class CleanupSplitRequest(_message.Message):
    __slots__ = ("group", "archive_dir", "actor", "reason")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    ARCHIVE_DIR_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    group: str
    archive_dir: str
    actor: str
    reason: str
    def __init__(self, group: _Optional[str] = ..., archive_dir: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CleanupSplitResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: SplitStatus
    def __init__(self, status: _Optional[_Union[SplitStatus, _Mapping]] = ...) -> None: ...
