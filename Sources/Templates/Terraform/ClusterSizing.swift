import BlueprintModel

/// How many nodes a region's cluster for one environment needs, from what the
/// blueprint asks of it:
///
/// - the floor carries every service at its minimum replicas, at their requests;
/// - the ceiling carries every service at its maximum replicas plus the quotas of
///   the organizations homed in the region (tenants may use all of their quota);
/// - a node offers three quarters of its CPU and memory to workloads (the rest
///   goes to the system, daemon sets and headroom for rolling updates);
/// - at least two nodes (three with a highly available control plane), so a node
///   can drain; the ceiling is at least one node above the floor.
struct ClusterSizing: Sendable, Equatable {
    var minNodes: Int
    var maxNodes: Int
    var highAvailability: Bool
    /// What the floor and the ceiling carry, in millicores and MiB (for the record in tfvars).
    var floorMilliCPU: Int64 = 0
    var floorMemoryMiB: Int64 = 0
    var peakMilliCPU: Int64 = 0
    var peakMemoryMiB: Int64 = 0

    /// The share of a node's capacity counted as usable, in percent.
    static let usablePercent: Int64 = 75

    init(minNodes: Int, maxNodes: Int, highAvailability: Bool) {
        self.minNodes = minNodes
        self.maxNodes = maxNodes
        self.highAvailability = highAvailability
    }

    init(blueprint: Blueprint, region: String, highAvailability: Bool, node: NodeShape) {
        var floorCPU: Int64 = 0, floorMemory: Int64 = 0, peakCPU: Int64 = 0, peakMemory: Int64 = 0
        for service in blueprint.services {
            let cpu = service.resources.requests.cpu.milliValue
            let memory = service.resources.requests.memory.milliValue / 1000
            floorCPU += Int64(service.replicas.min) * cpu
            floorMemory += Int64(service.replicas.min) * memory
            peakCPU += Int64(service.replicas.max) * cpu
            peakMemory += Int64(service.replicas.max) * memory
        }
        for organization in blueprint.organizations where organization.homeRegion == region {
            peakCPU += organization.quotas.cpu.milliValue
            peakMemory += organization.quotas.memory.milliValue / 1000
        }
        let usableCPU = node.cpuMillis * Self.usablePercent / 100
        let usableMemory = node.memoryMiB * 1_048_576 * Self.usablePercent / 100
        func nodes(_ cpu: Int64, _ memory: Int64) -> Int {
            Int(max(Self.divideRoundingUp(cpu, usableCPU), Self.divideRoundingUp(memory, usableMemory)))
        }
        let minimum = max(highAvailability ? 3 : 2, nodes(floorCPU, floorMemory))
        self.init(minNodes: minimum, maxNodes: max(minimum + 1, nodes(peakCPU, peakMemory)), highAvailability: highAvailability)
        floorMilliCPU = floorCPU
        floorMemoryMiB = Self.divideRoundingUp(floorMemory, 1_048_576)
        peakMilliCPU = peakCPU
        peakMemoryMiB = Self.divideRoundingUp(peakMemory, 1_048_576)
    }

    static func divideRoundingUp(_ value: Int64, _ divisor: Int64) -> Int64 {
        value <= 0 ? 0 : (value + divisor - 1) / divisor
    }
}
