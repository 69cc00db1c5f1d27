/// The only things a chat participant can send: a fixed set of canned actions.
///
/// There is no free text anywhere in the chat, so nothing personal can be typed in,
/// and nothing is stored but one aggregated counter per action and project.
public enum CannedAction: String, CaseIterable, Codable, Sendable, Comparable {
    case thumbsUp = "thumbs_up"
    case thumbsDown = "thumbs_down"
    case ready
    case blocked
    case review
    case deployed
    case testsGreen = "tests_green"
    /// A "yes" vote in the project's simple poll.
    case pollYes = "poll_yes"
    /// A "no" vote in the project's simple poll.
    case pollNo = "poll_no"

    /// What the web page shows on the button.
    public var label: String {
        switch self {
        case .thumbsUp: return "👍"
        case .thumbsDown: return "👎"
        case .ready: return "Ready"
        case .blocked: return "Blocked"
        case .review: return "Review"
        case .deployed: return "Deployed"
        case .testsGreen: return "Tests green"
        case .pollYes: return "Poll: yes"
        case .pollNo: return "Poll: no"
        }
    }

    /// Orders actions as declared, so counters always print in the same order.
    public static func < (lhs: CannedAction, rhs: CannedAction) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
