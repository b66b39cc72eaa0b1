import kafkajs, { type PartitionAssigner } from 'kafkajs';

// kafkajs is CommonJS: take its runtime values from the default export.
const { AssignerProtocol } = kafkajs;

/** The group protocol name members of a co-partitioned subscription announce. */
export const CO_PARTITIONED_PROTOCOL = 'MnemeCoPartitioned';

/**
 * Assigns partition p of every topic to the same member: members sorted by id, partition p to
 * member p mod n. Keys hash to the same partition number in topics with the same partition count,
 * so one member sees every event of a key whatever its topic (kafkajs's round-robin assigner
 * numbers topic-partitions across topics and splits a key's partitions between members).
 * Returns memberId → topic → partitions; members beyond the partition count get nothing.
 */
export function coPartitionedAssignment(
  memberIds: readonly string[],
  partitionsByTopic: Readonly<Record<string, readonly number[]>>,
): Record<string, Record<string, number[]>> {
  const members = [...memberIds].sort();
  const assignment: Record<string, Record<string, number[]>> = {};
  for (const m of members) assignment[m] = {};
  if (members.length === 0) return assignment;
  for (const [topic, partitions] of Object.entries(partitionsByTopic)) {
    for (const p of [...partitions].sort((a, b) => a - b)) {
      const member = assignment[members[p % members.length]!]!;
      (member[topic] ??= []).push(p);
    }
  }
  return assignment;
}

/** The kafkajs partition assigner of {@link coPartitionedAssignment}. */
export const coPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: CO_PARTITIONED_PROTOCOL,
  version: 0,
  async assign({ members, topics }) {
    const partitionsByTopic = Object.fromEntries(topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).map((m) => m.partitionId)]));
    const assignment = coPartitionedAssignment(
      members.map((m) => m.memberId),
      partitionsByTopic,
    );
    return Object.entries(assignment).map(([memberId, byTopic]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: byTopic, userData: Buffer.alloc(0) }),
    }));
  },
  protocol({ topics }) {
    return {
      name: CO_PARTITIONED_PROTOCOL,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
    };
  },
});
