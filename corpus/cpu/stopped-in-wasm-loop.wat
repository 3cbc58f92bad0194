;;! id = "cpu.stopped-in-wasm-loop"
;;! guarantee = "CPU-05"
;;! since = "0.1.0"
;;! summary = "three calls, each spinning in pure code until its 100 ms deadline: no guest may run on"
;;! repeat = 3
;;! endless = true
;;! [limits]
;;! deadline_ms = 100
;;! [expect]
;;! code = "timeout"
;;! min_host_calls = { input_len = 1 }
;;! guest_stopped = true
;; A runtime may answer timeout on time while the guest keeps spinning in a thread it abandoned.
;; The kit looks for that work: in-process, a thread started during the request still runnable
;; after the answer; through an adapter, two of its threads burning CPU together (the second and
;; third calls run beside the abandoned guests of the first ones).
(module
  (import "yoi:tool" "input_len" (func $input_len (result i32)))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    ;; A host call first, as evidence that the guest started (and was not refused earlier).
    (drop (call $input_len))
    ;; Spin forever: only the runtime can stop this.
    (loop $forever (br $forever))))
