;;! id = "authority.denied-before-start"
;;! guarantee = "AUTH-01"
;;! since = "0.1.0"
;;! summary = "a module with a forbidden import and a start function that spins forever"
;;! [limits]
;;! deadline_ms = 50
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["env::abort"] }
;; Imports are checked before instantiation, so the start function never runs and the answer is
;; import_denied at once. A runtime that instantiates first (linking the unknown import as a trap,
;; say) enters the loop and times out.
(module
  (import "env" "abort" (func $abort (param i32 i32 i32 i32)))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; If the runtime links the imports, this output comes back instead of import_denied.
  (data (i32.const 0) "{\"summary\":\"the guest used an import it should not have\"}")
  ;; The start function runs at instantiation: it never returns.
  (func $spin (loop $forever (br $forever)))
  (start $spin)
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 57)))))
