;;! id = "authority.env-imports"
;;! guarantee = "AUTH-01"
;;! since = "0.1.0"
;;! summary = "imports env.abort and env.seed as AssemblyScript output does"
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["env::abort", "env::seed"], count = 2 }
;; Toolchains import helpers from "env" by default (AssemblyScript's abort and its random seed,
;; Emscripten's runtime). None of them is part of the ABI: a host that provides "convenience" stubs
;; grants authority the guarantee list never reviewed.
(module
  ;; Imports outside ABI v1 (what the case is about):
  (import "env" "abort" (func $abort (param i32 i32 i32 i32)))
  (import "env" "seed" (func $seed (result f64)))
  ;; The one import the guest is entitled to:
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; If the runtime links the imports, this output comes back instead of import_denied.
  (data (i32.const 0) "{\"summary\":\"the guest used an import it should not have\"}")
  (func (export "yoi_tool_call")
    (drop (call $seed))
    (drop (call $output_write (i32.const 0) (i32.const 57)))))
