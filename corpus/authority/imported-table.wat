;;! id = "authority.imported-table"
;;! guarantee = "AUTH-03"
;;! since = "0.1.0"
;;! summary = "imports a funcref table from env"
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["env::table"] }
;; An imported table could hand the guest host functions to call indirectly. Denied.
(module
  (import "env" "table" (table 1 funcref))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; If the runtime links the imports, this output comes back instead of import_denied.
  (data (i32.const 0) "{\"summary\":\"the guest used an import it should not have\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 57)))))
