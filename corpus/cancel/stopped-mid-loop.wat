;;! id = "cancel.stopped-mid-loop"
;;! guarantee = "CXL-01"
;;! since = "0.2.0"
;;! summary = "three calls, each spinning in pure code until cancelled 100 ms in: no guest may run on"
;;! cancel_after_ms = 100
;;! repeat = 3
;;! endless = true
;;! [limits]
;;! deadline_ms = 2000
;;! [expect]
;;! code = "cancelled"
;;! min_host_calls = { input_len = 1 }
;;! guest_stopped = true
;; A runtime may answer cancelled at once while the guest keeps spinning in a thread it abandoned.
;; The cancel, not a deadline, ends each call, so the case runs against any deadline a runtime
;; declares fixed above 100 ms (the stopped-not-abandoned cases of CPU-05 need a deadline of their
;; own): in-process, a thread started during the request still runnable after the answer; through
;; an adapter, two of its threads burning CPU together (the second and third calls run beside the
;; abandoned guests of the first ones); through a serving adapter, CPU burned after any answer.
(module
  (import "yoi:tool" "input_len" (func $input_len (result i32)))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    ;; A host call first, as evidence that the guest started (and was not refused earlier).
    (drop (call $input_len))
    ;; Spin forever: only the runtime can stop this.
    (loop $forever (br $forever))))
