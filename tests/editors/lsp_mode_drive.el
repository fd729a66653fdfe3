;;; lsp_mode_drive.el --- Emacs with lsp-mode through the scenario of editor_helpers.py  -*- lexical-binding: t -*-
;; Run in tmux: emacs -nw -q -l lsp_mode_drive.el (Debian's elpa-lsp-mode).  Writes what
;; it saw to $REPORT.

(package-initialize)
(require 'lsp-mode)
(require 'json)
(require 'flymake)
(require 'subr-x)

(defvar drive-root (file-name-as-directory (getenv "WORKSPACE")))
(defvar drive-report nil "An alist, written as JSON.")

(defun drive-put (key value) (push (cons key value) drive-report))

(defun drive-wait (what seconds predicate)
  (let ((deadline (+ (float-time) seconds)) result)
    (while (and (not (setq result (funcall predicate))) (< (float-time) deadline))
      ;; Idle, as a person's Emacs is between keys: idle timers run (eglot sends its
      ;; didChange after `eglot-send-changes-idle-time`), process output is read.
      (sit-for 1))
    (or result (error "Timed out waiting for %s" what))))

;; The person answers the review's message request "Accept all" (the editor's own
;; prompt, `completing-read`, is where they would type it).
(defvar drive-asked nil)
(advice-add 'completing-read :around
            (lambda (orig prompt collection &rest rest)
              (if (and (listp collection)
                       (or (member "Accept all" collection) (assoc "Accept all" collection)))
                  (progn (push prompt drive-asked) "Accept all")
                (apply orig prompt collection rest))))

(defun drive-finished (count)
  (>= (seq-count (lambda (file) (equal (alist-get 'state (json-read-file file)) "finished"))
                 (file-expand-wildcards (expand-file-name ".orchestra/runs/*/run.json" drive-root)))
      count))

(defun drive-line () (buffer-substring-no-properties (line-beginning-position) (line-end-position)))

;; A machine under load: the first requests wait for the engine to be built.
(setq lsp-response-timeout 60
      lsp-diagnostics-provider :flymake
      lsp-auto-guess-root nil
      lsp-enable-suggest-server-download nil
      lsp-headerline-breadcrumb-enable nil
      lsp-session-file (expand-file-name "lsp-session" (getenv "HOME")))
(setq auto-mode-alist (cons '("\\.md\\'" . text-mode) auto-mode-alist))

;; The README's configuration, as written there.
(with-eval-after-load 'lsp-mode
  (lsp-register-client
   (make-lsp-client :new-connection (lsp-stdio-connection '("orchestra" "serve"))
                    :activation-fn (lsp-activate-on "markdown" "python" "plaintext")
                    :priority 10
                    :server-id 'orchestra)))

(defun drive-open (relative)
  (find-file (expand-file-name relative drive-root))
  (lsp)
  (drive-wait "lsp-mode to connect" 30
              (lambda () (and lsp--buffer-workspaces
                              (eq (lsp--workspace-status (car lsp--buffer-workspaces))
                                  'initialized)))))

(defun drive-actions (title)
  (seq-find (lambda (a) (equal (lsp:code-action-title a) title))
            (lsp-code-actions-at-point)))

(defun drive ()
  (let (steps)
    (lsp-workspace-folders-add drive-root)
    ;; 1. Diagnostics on a line with astral characters, and the quick fix.
    (drive-open ".orchestra/agents/emo.md")
    (let* ((diag (drive-wait "the diagnostic" 30
                             (lambda ()
                               (seq-find (lambda (d) (string-match-p "'edt'" (flymake-diagnostic-text d)))
                                         (flymake-diagnostics)))))
           (beg (flymake-diagnostic-beg diag))
           (end (flymake-diagnostic-end diag)))
      (drive-put 'diagnostic_text (buffer-substring-no-properties beg end))
      (push "diagnostic" steps)
      (goto-char beg)
      (let ((fix (drive-actions "Change to 'edit'")))
        (unless fix (error "No quick fix offered"))
        (lsp-execute-code-action fix))
      (goto-char beg)
      (drive-put 'fixed_line (drive-line))
      (push "quick fix" steps))
    ;; 2. Template completion: what a completion UI does when the item is picked.
    (drive-open ".orchestra/commands/two.md")
    (goto-char (point-min))
    (search-forward "{{steps.p")
    (let* ((capf (drive-wait "completion" 30
                             (lambda ()
                               (let ((capf (lsp-completion-at-point)))
                                 (and capf (all-completions "" (nth 2 capf)) capf)))))
           (items (all-completions "" (nth 2 capf)))
           (exit (plist-get (nthcdr 3 capf) :exit-function))
           (choice (seq-find (lambda (c) (equal (substring-no-properties c) "steps.plan.output"))
                             items)))
      (drive-put 'completion_labels (vconcat (mapcar #'substring-no-properties items)))
      (delete-region (nth 0 capf) (nth 1 capf))
      (goto-char (nth 0 capf))
      (insert choice)
      (funcall exit choice 'finished))
    (drive-put 'completed_line (drive-line))
    (push "completion" steps)
    ;; 3. A command run from a code action.
    (drive-open "app.py")
    (let ((hello (drive-actions "Orchestra: Say hello")))
      (unless hello (error "No command offered"))
      (lsp-execute-code-action hello))
    (drive-wait "the run to finish" 60
                (lambda ()
                  (seq-some (lambda (file)
                              (equal (alist-get 'state (json-read-file file)) "finished"))
                            (file-expand-wildcards
                             (expand-file-name ".orchestra/runs/*/run.json" drive-root)))))
    (push "command run" steps)
    ;; 4. A review, through the message request, applied to the buffer.
    (let ((fix (seq-find (lambda (a) (equal (lsp:code-action-title a) "Orchestra: Say hello in app.py"))
                         (progn (goto-char (point-min)) (lsp-code-actions-at-point)))))
      (unless fix (error "No fix command offered"))
      (lsp-execute-code-action fix))
    (drive-wait "the reviewed run to finish" 60 (lambda () (drive-finished 2)))
    (drive-put 'review_prompt (or (car drive-asked) ""))
    (goto-char (point-min))
    (drive-put 'reviewed_line (drive-line))
    (push "review" steps)
    (drive-put 'steps (vconcat (reverse steps)))
    (drive-put 'messages (with-current-buffer "*Messages*" (buffer-string)))))

(run-with-timer
 0.5 nil
 (lambda ()
   (condition-case err
       (drive)
     (error (drive-put 'error (format "%S" err))))
   (with-temp-file (getenv "REPORT")
     (insert (json-encode drive-report)))
   (kill-emacs 0)))
