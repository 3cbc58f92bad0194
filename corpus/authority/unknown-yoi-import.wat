;;! id = "authority.unknown-yoi-import"
;;! guarantee = "AUTH-01"
;;! since = "0.1.0"
;;! summary = "imports yoi:tool http_get and fs_read, which ABI v1 lacks"
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["yoi:tool::http_get", "yoi:tool::fs_read"] }
;; The module name is the allowed one, the function names are not. A runtime that allows the whole
;; "yoi:tool" namespace (say, to add functions later) must still refuse names it does not implement,
;; by name.
(module
  ;; Imports outside ABI v1 (what the case is about):
  (import "yoi:tool" "http_get" (func $http_get (param i32 i32) (result i32)))
  (import "yoi:tool" "fs_read" (func $fs_read (param i32 i32) (result i32)))
  ;; The one import the guest is entitled to:
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; If the runtime links the imports, this output comes back instead of import_denied.
  (data (i32.const 0) "{\"summary\":\"the guest used an import it should not have\"}")
  (func (export "yoi_tool_call")
    (drop (call $http_get (i32.const 256) (i32.const 16)))
    (drop (call $output_write (i32.const 0) (i32.const 57)))))
