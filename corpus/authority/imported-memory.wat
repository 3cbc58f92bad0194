;;! id = "authority.imported-memory"
;;! guarantee = "AUTH-03"
;;! since = "0.1.0"
;;! summary = "imports its memory from yoi:tool and exports it as \"memory\""
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["yoi:tool::memory"] }
;; A shared or host-provided memory would let state cross calls or reach host data. Even from the
;; allowed module, a memory import is denied.
(module
  (import "yoi:tool" "memory" (memory 1))
  (export "memory" (memory 0))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  ;; If the runtime links the imports, this output comes back instead of import_denied.
  (data (i32.const 0) "{\"summary\":\"the guest used an import it should not have\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 57)))))
